/**
 * Request/reply over MQTT 3.1.1 (ActiveMQ, which Amazon MQ runs, and RabbitMQ 3.x): the reply topic and
 * correlation id travel in the envelope, the request on a topic (3.1.1 has no queues). Without the
 * envelope, request() refuses with UnsupportedError (the conformance suite checks that on every 3.1.1 fixture).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connect, type Client } from '../../src/index.js';
import { mqtt } from '../../src/transports/mqtt/index.js';
import { sharedBroker } from '../support/shared-brokers.js';
import { randomName } from '../support/wait.js';

const clients: Client[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close({ drain: false }).catch(() => undefined)));
});

describe.each(['activemq', 'rabbitmq'] as const)('MQTT 3.1.1 request/reply with the envelope on %s', (kind) => {
  it('matches 100 concurrent requests to their replies, through the reply topic under replies/CLIENT-ID', async () => {
    const broker = sharedBroker(kind);
    const options = { username: broker.username, password: broker.password, endpoints: [broker.endpoints.mqtt!] };
    const server = await connect({ ...options, transport: mqtt({ envelope: true }) });
    const requester = await connect({ ...options, transport: mqtt({ envelope: true }) });
    clients.push(server, requester);
    const destination = randomName('rpc');
    const replyTos = new Set<string>();
    await server.serve(destination, (m) => {
      replyTos.add(m.replyTo ?? '');
      return { echo: JSON.parse(new TextDecoder().decode(m.bytes)) as number };
    }, { concurrency: 10 });
    const n = 100;
    const replies = await Promise.all(Array.from({ length: n }, (_, i) => requester.request(destination, i, { timeoutMs: 30_000 })));
    expect(replies.map((r) => (r.body as { echo: number }).echo)).toEqual(Array.from({ length: n }, (_, i) => i));
    expect([...replyTos]).toEqual([`replies.${requester.clientId.replace(/[^A-Za-z0-9_-]/g, '_')}`]);
  });
});
