import { stomp } from '../../src/transports/stomp/index.js';
import { sharedBroker } from '../support/shared-brokers.js';
import { proxiedOutage, proxiedPair } from './proxied.js';
import { runConformance } from './suite.js';

runConformance({
  name: 'stomp-rabbitmq-ws',
  transport: () => stomp(),
  lacks: ['priority'],
  async broker() {
    const broker = sharedBroker('rabbitmq');
    return { endpoints: [broker.endpoints['stomp-ws']!], username: broker.username, password: broker.password };
  },
  outage: proxiedOutage(() => sharedBroker('rabbitmq'), 'stomp-ws'),
  pair: proxiedPair(() => sharedBroker('rabbitmq'), 'stomp-ws'),
  failoverMessages: 2000,
});
