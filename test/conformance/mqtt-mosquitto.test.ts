import { mqtt } from '../../src/transports/mqtt/index.js';
import { sharedBroker } from '../support/shared-brokers.js';
import { runConformance } from './suite.js';

runConformance({
  name: 'mqtt-mosquitto',
  transport: () => mqtt({ protocolVersion: 5 }),
  lacks: ['nack', 'priority', 'durableSubscriptions'],
  // MQTT 5 shared subscriptions are the queues; Mosquitto keeps no messages for a group nobody joined.
  queuesKeepMessagesWithoutConsumers: false,
  async broker() {
    return { endpoints: [sharedBroker('mosquitto').endpoints.mqtt!] };
  },
});
