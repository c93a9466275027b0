/**
 * A broker that drops the connection over one message must not make the client loop. RabbitMQ 3.10's
 * AMQP 1.0 plugin does that on a full queue with `overflow: reject-publish`: instead of settling the
 * transfer `rejected`, its session process crashes on the nack and the connection closes with
 * amqp:internal-error. The client re-sends the message on each new connection; once it has been the oldest
 * unconfirmed message on POISON_LOSSES lost connections in a row, the publish rejects and the rest goes on.
 * (RabbitMQ takes about 3 s to close each such connection, so this test takes about 15 s.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connect, RejectedError, type Client } from '../../src/index.js';
import { POISON_LOSSES } from '../../src/core/publisher.js';
import { amqp } from '../../src/transports/amqp/index.js';
import { dockerExec } from '../support/brokers.js';
import { sharedBroker } from '../support/shared-brokers.js';
import { eventually, randomName } from '../support/wait.js';

const clients: Client[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close({ drain: false }).catch(() => undefined)));
});

describe('AMQP 1.0 on RabbitMQ 3.10: a message the broker drops the connection over', () => {
  it(`rejects it after ${POISON_LOSSES} lost connections in a row, and goes on with the others`, async () => {
    const broker = sharedBroker('rabbitmq');
    const queue = randomName('full');
    await dockerExec(broker, 'rabbitmqctl', 'set_policy', '--apply-to', 'queues', queue, `^${queue.replaceAll('.', '\\.')}$`, '{"max-length":1,"overflow":"reject-publish"}');
    try {
      const client = await connect({ transport: amqp(), endpoints: [broker.endpoints.amqp!], username: broker.username, password: broker.password });
      clients.push(client);
      let losses = 0;
      client.on('disconnected', () => void losses++);
      await client.send(queue, 'fits');
      const refused = await client.send(queue, 'does not fit').catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(RejectedError);
      expect(losses).toBe(POISON_LOSSES);
      await eventually(() => expect(client.state).toBe('connected'));
      await client.send(randomName('after'), 'the client goes on');
      const got: string[] = [];
      await client.consume(queue, (m) => void got.push(new TextDecoder().decode(m.bytes)));
      await eventually(() => expect(got).toEqual(['fits']));
    } finally {
      await dockerExec(broker, 'rabbitmqctl', 'clear_policy', queue);
    }
  });
});
