import { stomp } from '../../src/transports/stomp/index.js';
import { sharedBroker } from '../support/shared-brokers.js';
import { proxiedOutage, proxiedPair } from './proxied.js';
import { runConformance } from './suite.js';

runConformance({
  name: 'stomp-rabbitmq',
  transport: () => stomp(),
  lacks: ['priority'],
  async broker() {
    const broker = sharedBroker('rabbitmq');
    return { endpoints: [broker.endpoints.stomp!], username: broker.username, password: broker.password };
  },
  outage: proxiedOutage(() => sharedBroker('rabbitmq'), 'stomp'),
  pair: proxiedPair(() => sharedBroker('rabbitmq'), 'stomp'),
  failoverMessages: 2000,
});
