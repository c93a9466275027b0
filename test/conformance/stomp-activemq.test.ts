import { stomp } from '../../src/transports/stomp/index.js';
import { sharedBroker } from '../support/shared-brokers.js';
import { proxiedOutage, proxiedPair } from './proxied.js';
import { runConformance } from './suite.js';

runConformance({
  name: 'stomp-activemq',
  transport: () => stomp(),
  lacks: [],
  async broker() {
    return { endpoints: [sharedBroker('activemq').endpoints.stomp!] };
  },
  outage: proxiedOutage(() => sharedBroker('activemq'), 'stomp'),
  pair: proxiedPair(() => sharedBroker('activemq'), 'stomp'),
  failoverMessages: 2000,
});
