import { stomp } from '../../src/transports/stomp/index.js';
import { sharedBroker } from '../support/shared-brokers.js';
import { runConformance } from './suite.js';

runConformance({
  name: 'stomp-activemq',
  transport: () => stomp(),
  lacks: [],
  async broker() {
    return { endpoints: [sharedBroker('activemq').endpoints.stomp!] };
  },
});
