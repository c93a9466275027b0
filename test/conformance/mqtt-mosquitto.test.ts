import { mqtt } from '../../src/transports/mqtt/index.js';
import { startMosquitto } from '../support/brokers.js';
import { sharedBroker } from '../support/shared-brokers.js';
import { proxiedPair } from './proxied.js';
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
  // A Mosquitto of its own, stopped and started again (same endpoint, persistence on).
  async outage() {
    const broker = await startMosquitto();
    return {
      endpoints: [broker.endpoints.mqtt!],
      down: () => broker.stop(),
      up: () => broker.start(),
      dispose: () => broker.dispose(),
    };
  },
  pair: proxiedPair(() => sharedBroker('mosquitto'), 'mqtt'),
  failoverMessages: 2000,
});
