import { mqtt } from '../../src/transports/mqtt/index.js';
import { sharedBroker } from '../support/shared-brokers.js';
import { proxiedOutage, proxiedPair } from './proxied.js';
import { runConformance } from './suite.js';

runConformance({
  name: 'mqtt-rabbitmq',
  transport: () => mqtt({ protocolVersion: 4 }),
  lacks: ['queues', 'headers', 'nack', 'priority', 'ttl', 'durableSubscriptions'],
  async broker() {
    const broker = sharedBroker('rabbitmq');
    return { endpoints: [broker.endpoints.mqtt!], username: broker.username, password: broker.password };
  },
  outage: proxiedOutage(() => sharedBroker('rabbitmq'), 'mqtt'),
  pair: proxiedPair(() => sharedBroker('rabbitmq'), 'mqtt'),
  failoverMessages: 2000,
});
