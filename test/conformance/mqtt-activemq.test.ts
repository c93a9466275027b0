import { mqtt } from '../../src/transports/mqtt/index.js';
import { startActiveMQ } from '../support/brokers.js';
import { sharedBroker } from '../support/shared-brokers.js';
import { runConformance } from './suite.js';

runConformance({
  name: 'mqtt-activemq',
  transport: () => mqtt({ protocolVersion: 4 }),
  lacks: ['queues', 'headers', 'nack', 'priority', 'ttl', 'durableSubscriptions'],
  async broker() {
    return { endpoints: [sharedBroker('activemq').endpoints.mqtt!] };
  },
  // An ActiveMQ of its own, stopped and started again (same endpoint, KahaDB keeps the MQTT sessions).
  async outage() {
    const broker = await startActiveMQ();
    return {
      endpoints: [broker.endpoints.mqtt!],
      down: () => broker.stop(),
      up: () => broker.start(),
      dispose: () => broker.dispose(),
    };
  },
});
