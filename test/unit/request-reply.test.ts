import { afterEach, describe, expect, it } from 'vitest';
import { connect, InvalidArgumentError, TimeoutError, UnsupportedError, type Client, type Logger } from '../../src/index.js';
import { MemoryBroker, MemoryStore, memory } from '../../src/transports/memory/index.js';
import type { Transport } from '../../src/core/transport.js';
import { eventually, randomName, sleep } from '../support/wait.js';

let counter = 0;
const unique = (prefix: string) => `${prefix}-${process.pid}-${counter++}`;
const text = (m: { bytes: Uint8Array }) => new TextDecoder().decode(m.bytes);

const brokers: MemoryBroker[] = [];
const clients: Client[] = [];

async function startBroker(store?: MemoryStore): Promise<MemoryBroker> {
  const broker = new MemoryBroker({ name: unique('rr'), store });
  await broker.start();
  brokers.push(broker);
  return broker;
}

async function client(endpoints: string[], extra: Partial<Parameters<typeof connect>[0]> = {}): Promise<Client> {
  const c = await connect({ transport: memory(), endpoints, heartbeatMs: 2000, ...extra });
  clients.push(c);
  return c;
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close({ drain: false })));
  await Promise.all(brokers.splice(0).map((b) => b.stop()));
});

describe('request/reply on the in-memory broker', () => {
  it('opens one reply address per connection, however many requests are in flight', async () => {
    const broker = await startBroker();
    const server = await client([broker.url]);
    const requester = await client([broker.url]);
    const queue = randomName('one');
    await server.serve(queue, (m) => text(m).toUpperCase(), { prefetch: 100 });
    const n = 2000;
    const replies = await Promise.all(Array.from({ length: n }, (_, i) => requester.request(queue, `r${i}`)));
    expect(replies.map(text)).toEqual(Array.from({ length: n }, (_, i) => `R${i}`));
    expect(broker.replyAddresses.size).toBe(1);
  });

  it('gives the reply the request correlationId, a body decoded by content type, and keeps a given correlationId', async () => {
    const broker = await startBroker();
    const server = await client([broker.url]);
    const requester = await client([broker.url]);
    const queue = randomName('body');
    await server.serve<{ sku: number }>(queue, (m) => ({ sku: m.body.sku, price: 12 }));
    const reply = await requester.request(queue, { sku: 7 }, { correlationId: 'mine-1' });
    expect(reply.body).toEqual({ sku: 7, price: 12 });
    expect(reply.correlationId).toBe('mine-1');
    // The reply needs no ack; calling it does nothing.
    await reply.ack();
  });

  it('drops a late reply and counts it in a debug log line', async () => {
    const broker = await startBroker();
    const lines: Array<{ message: string; data?: Record<string, unknown> }> = [];
    const logger: Logger = { debug: (message, data) => void lines.push({ message, data }) };
    const server = await client([broker.url]);
    const requester = await client([broker.url], { logger });
    const queue = randomName('late');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    await server.serve(queue, async () => {
      await gate;
      return 'too late';
    });
    await expect(requester.request(queue, 'x', { timeoutMs: 50 })).rejects.toBeInstanceOf(TimeoutError);
    release();
    await eventually(() => expect(lines.filter((l) => l.message.includes('dropped'))).toHaveLength(1));
    expect(lines.find((l) => l.message.includes('dropped'))!.data).toMatchObject({ dropped: 1 });
  });

  it('rejects with the signal reason when aborted, before or after sending', async () => {
    const broker = await startBroker();
    const requester = await client([broker.url]);
    const queue = randomName('abort');
    const before = new AbortController();
    before.abort();
    await expect(requester.request(queue, 'x', { signal: before.signal })).rejects.toMatchObject({ name: 'AbortError' });
    const after = new AbortController();
    const pending = requester.request(queue, 'x', { signal: after.signal });
    await sleep(10);
    after.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('ends a request made while disconnected with TimeoutError, and one waiting for a connection completes when it comes', async () => {
    const broker = await startBroker();
    const server = await client([broker.url]);
    const requester = await client([broker.url]);
    const queue = randomName('offline');
    await server.serve(queue, (m) => `re:${text(m)}`);
    broker.crash();
    await eventually(() => expect(requester.state).toBe('reconnecting'));
    await expect(requester.request(queue, 'never', { timeoutMs: 100 })).rejects.toBeInstanceOf(TimeoutError);
    const waiting = requester.request(queue, 'later', { timeoutMs: 10_000 });
    await broker.restart();
    expect(text(await waiting)).toBe('re:later');
  });

  it('re-creates the reply address on the new connection after a failover and re-sends what was waiting', async () => {
    const store = new MemoryStore();
    const a = await startBroker(store);
    const b = await startBroker(store);
    const server = await client([a.url, b.url]);
    const requester = await client([a.url, b.url]);
    const queue = randomName('fo');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const seen: string[] = [];
    await server.serve(queue, async (m) => {
      seen.push(`${text(m)}${m.possibleDuplicate ? '*' : ''}`);
      await gate;
      return `re:${text(m)}`;
    });
    const pending = requester.request(queue, 'held', { timeoutMs: 10_000 });
    await eventually(() => expect(seen).toEqual(['held']));
    a.crash();
    release();
    expect(text(await pending)).toBe('re:held');
    expect(b.replyAddresses.size).toBe(1);
    // At-least-once: the server saw the request again, flagged.
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen.slice(1).every((s) => s.endsWith('*'))).toBe(true);
  });

  it('rejects bad options with InvalidArgumentError', async () => {
    const broker = await startBroker();
    const requester = await client([broker.url]);
    await expect(requester.request('q', 'x', { timeoutMs: 0 })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(requester.request('q', 'x', { replyTo: 'mine' })).rejects.toBeInstanceOf(InvalidArgumentError);
    const first = requester.request('q', 'x', { correlationId: 'same', timeoutMs: 200 });
    await expect(requester.request('q', 'y', { correlationId: 'same' })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(first).rejects.toBeInstanceOf(TimeoutError);
  });

  it('rejects with UnsupportedError on a transport without a reply address', async () => {
    const broker = await startBroker();
    const base = memory();
    const transport: Transport = {
      ...base,
      async open(endpoint, options) {
        const connection = await base.open(endpoint, options);
        return Object.assign(Object.create(Object.getPrototypeOf(connection) as object) as object, connection, {
          openReplyAddress: undefined,
          publish: connection.publish.bind(connection),
          subscribe: connection.subscribe.bind(connection),
          ack: connection.ack.bind(connection),
          nack: connection.nack.bind(connection),
          close: connection.close.bind(connection),
          capabilities: connection.capabilities,
          endpoint: connection.endpoint,
        }) as typeof connection;
      },
    };
    const requester = await connect({ transport, endpoints: [broker.url], heartbeatMs: 2000 });
    clients.push(requester);
    await expect(requester.request('q', 'x')).rejects.toBeInstanceOf(UnsupportedError);
  });

  it('rejects waiting requests with ClosedError on close', async () => {
    const broker = await startBroker();
    const requester = await client([broker.url]);
    const pending = requester.request(randomName('closed'), 'x');
    await requester.close({ drain: false });
    await expect(pending).rejects.toMatchObject({ code: 'CLOSED' });
  });
});
