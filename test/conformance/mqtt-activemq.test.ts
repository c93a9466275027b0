import { mqtt } from '../../src/transports/mqtt/index.js';
import { sharedBroker } from '../support/shared-brokers.js';
import { runConformance } from './suite.js';

runConformance({
  name: 'mqtt-activemq',
  transport: () => mqtt({ protocolVersion: 4 }),
  lacks: ['queues', 'headers', 'nack', 'priority', 'ttl', 'durableSubscriptions'],
  async broker() {
    return { endpoints: [sharedBroker('activemq').endpoints.mqtt!] };
  },
});
