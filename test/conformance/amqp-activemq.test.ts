/**
 * AMQP 1.0 on ActiveMQ: the whole suite, whenever the broker image's ActiveMQ serves AMQP (the official
 * image does; Debian's package leaves out the activemq-amqp module, see matrix.ts). Whether it does is
 * known once the global setup has started the shared ActiveMQ; scripts/check-matrix.mjs then requires
 * this suite to have run and passed exactly when it does.
 */
import { describe, expect, it } from 'vitest';
import { amqp } from '../../src/transports/amqp/index.js';
import { sharedBroker } from '../support/shared-brokers.js';
import { MATRIX } from './matrix.js';
import { runConformance } from './suite.js';

const served = sharedBroker('activemq').endpoints.amqp !== undefined;

if (served) {
  runConformance({
    name: 'amqp-activemq',
    transport: () => amqp(),
    // As src/transports/amqp/dialect.ts reports for ActiveMQ: everything but durable subscriptions, which
    // the transport does not offer over AMQP yet.
    lacks: ['durableSubscriptions'],
    async broker() {
      const broker = sharedBroker('activemq');
      return { endpoints: [broker.endpoints.amqp!], username: broker.username, password: broker.password };
    },
  });
} else {
  describe('amqp-activemq: not served by this image', () => {
    it('is declared in the matrix, with the reason', () => {
      const entry = MATRIX.find((e) => e.id === 'amqp-activemq');
      expect(entry?.runnable).toBe('activemq-serves-amqp');
      expect(entry?.reason).toMatch(/activemq-amqp/);
    });
  });
}
