import { stomp } from '../../src/transports/stomp/index.js';
import { sharedBroker } from '../support/shared-brokers.js';
import { runConformance } from './suite.js';

runConformance({
  name: 'stomp-rabbitmq',
  transport: () => stomp(),
  lacks: ['priority'],
  async broker() {
    const broker = sharedBroker('rabbitmq');
    return { endpoints: [broker.endpoints.stomp!], username: broker.username, password: broker.password };
  },
});
