import { amqp } from '../../src/transports/amqp/index.js';
import { sharedBroker } from '../support/shared-brokers.js';
import { proxiedOutage, proxiedPair } from './proxied.js';
import { runConformance } from './suite.js';

runConformance({
  name: 'amqp-rabbitmq',
  transport: () => amqp(),
  lacks: ['priority', 'durableSubscriptions'],
  async broker() {
    const broker = sharedBroker('rabbitmq');
    return { endpoints: [broker.endpoints.amqp!], username: broker.username, password: broker.password };
  },
  outage: proxiedOutage(() => sharedBroker('rabbitmq'), 'amqp'),
  pair: proxiedPair(() => sharedBroker('rabbitmq'), 'amqp'),
  failoverMessages: 2000,
});
