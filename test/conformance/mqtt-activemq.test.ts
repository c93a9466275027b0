import { mqtt } from '../../src/transports/mqtt/index.js';
import { sharedBroker } from '../support/shared-brokers.js';
import { proxiedOutage, proxiedPair } from './proxied.js';
import { runConformance } from './suite.js';

runConformance({
  name: 'mqtt-activemq',
  transport: () => mqtt({ protocolVersion: 4 }),
  lacks: ['queues', 'headers', 'nack', 'priority', 'ttl', 'durableSubscriptions'],
  async broker() {
    return { endpoints: [sharedBroker('activemq').endpoints.mqtt!] };
  },
  // Through fault proxies in front of the shared ActiveMQ: its MQTT sessions outlive the connections.
  outage: proxiedOutage(() => sharedBroker('activemq'), 'mqtt'),
  pair: proxiedPair(() => sharedBroker('activemq'), 'mqtt'),
  failoverMessages: 2000,
});
