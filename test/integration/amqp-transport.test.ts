/**
 * The AMQP 1.0 transport on RabbitMQ 3.10, opened directly: handshake and dialect, confirmed and
 * pipelined sends, wildcards, credit as prefetch, accept / release / reject, properties and bodies.
 */
import { Connection as RheaConnection, ReceiverEvents, type EventContext } from 'rhea-promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionError } from '../../src/core/errors.js';
import type { Delivery } from '../../src/core/transport.js';
import { POSSIBLE_DUPLICATE_HEADER } from '../../src/core/transport.js';
import type { AmqpConnection } from '../../src/transports/amqp/connection.js';
import type { BrokerInfo } from '../support/brokers.js';
import { sharedBroker } from '../support/shared-brokers.js';
import { eventually, randomName, sleep } from '../support/wait.js';
import { message, openAmqp, request, text, type Opened } from './amqp-support.js';

const QUIET_MS = 300;
let broker: BrokerInfo;
const opened: Opened[] = [];

async function open(options: Parameters<typeof openAmqp>[2] = {}): Promise<Opened> {
  const o = await openAmqp(broker.endpoints.amqp!, broker, options);
  opened.push(o);
  return o;
}

beforeAll(() => {
  broker = sharedBroker('rabbitmq');
});
afterAll(async () => {
  await Promise.all(opened.map((o) => o.connection.close()));
});

describe('amqp transport on RabbitMQ 3.10: handshake', () => {
  it('opens (SASL PLAIN, open, session) and picks the rabbitmq dialect from the open properties', async () => {
    const { connection, lost } = await open();
    expect((connection as AmqpConnection).dialect).toBe('rabbitmq');
    expect(connection.capabilities).toEqual({
      queues: true,
      wildcards: true,
      headers: true,
      durableSubscriptions: false,
      nack: true,
      priority: false,
      ttl: true,
      maxMessageBytes: 128 * 1024 * 1024,
      binaryBodies: true,
    });
    expect(lost).toEqual([]);
  });

  it('lets the dialect option override detection', async () => {
    const { connection } = await open({ transport: { dialect: 'rabbitmq4' } });
    expect((connection as AmqpConnection).dialect).toBe('rabbitmq4');
  });
});

describe('amqp transport on RabbitMQ 3.10: sending', () => {
  it('pipelines confirmed sends (none awaited before the next) and confirms each by accepted, in order', async () => {
    const { connection } = await open();
    const topic = randomName('pipe');
    const got: string[] = [];
    await connection.subscribe(request(topic), (d) => {
      got.push(text(d));
      void connection.ack(d);
    });
    const n = 2000;
    // The first send queues behind the link's attach; the rest are written as soon as it is up.
    const confirmations = Array.from({ length: n }, (_, i) => connection.publish(message(topic, String(i)), true));
    await Promise.all(confirmations);
    await eventually(() => expect(got).toHaveLength(n));
    expect(got).toEqual(Array.from({ length: n }, (_, i) => String(i)));
  });

  it('resolves an unconfirmed send once written', async () => {
    const { connection } = await open();
    const topic = randomName('noconfirm');
    const got: string[] = [];
    await connection.subscribe(request(topic), (d) => void got.push(text(d)));
    await connection.publish(message(topic, 'fire and forget'), false);
    await eventually(() => expect(got).toEqual(['fire and forget']));
  });

  it('keeps one sender link per address, attached on first use', async () => {
    const { connection } = await open();
    const a = randomName('links');
    const b = randomName('links');
    expect((connection as AmqpConnection).senderLinks).toBe(0);
    await Promise.all([a, b, a, b, a].map((t) => connection.publish(message(t, 'x'), true)));
    await connection.publish(message(a, 'y'), true);
    expect((connection as AmqpConnection).senderLinks).toBe(2);
  });
});

describe('amqp transport on RabbitMQ 3.10: topics and wildcards', () => {
  it('matches * to one segment and # to zero or more (RabbitMQ topic routing keys)', async () => {
    const { connection } = await open();
    const root = randomName('wild');
    const star: string[] = [];
    const hash: string[] = [];
    await connection.subscribe(request(`${root}.*.created`), (d) => void star.push(d.destination));
    await connection.subscribe(request(`${root}.eu.#`), (d) => void hash.push(d.destination));
    const names = [`${root}.eu.created`, `${root}.us.created`, `${root}.eu.x.created`, `${root}.eu`, `${root}.created`];
    await Promise.all(names.map((name) => connection.publish(message(name, 'x'), true)));
    await eventually(() => {
      expect([...star].sort()).toEqual([`${root}.eu.created`, `${root}.us.created`]);
      expect([...hash].sort()).toEqual([`${root}.eu`, `${root}.eu.created`, `${root}.eu.x.created`]);
    });
    await sleep(QUIET_MS);
    expect([star.length, hash.length]).toEqual([2, 3]);
  });

  it('stops deliveries after unsubscribe', async () => {
    const { connection } = await open();
    const topic = randomName('unsub');
    const got: string[] = [];
    const subscription = await connection.subscribe(request(topic), (d) => void got.push(text(d)));
    await connection.publish(message(topic, 'before'), true);
    await eventually(() => expect(got).toEqual(['before']));
    await subscription.unsubscribe();
    await connection.publish(message(topic, 'after'), true);
    await sleep(QUIET_MS);
    expect(got).toEqual(['before']);
  });
});

describe('amqp transport on RabbitMQ 3.10: queues, credit and settlement', () => {
  async function sendAll(o: Opened, queue: string, bodies: string[]): Promise<void> {
    await Promise.all(bodies.map((b) => o.connection.publish(message(queue, b, { kind: 'queue' }), true)));
  }

  it('grants link credit = prefetch: never more unsettled deliveries than the prefetch', async () => {
    const o = await open();
    const queue = randomName('credit');
    await sendAll(o, queue, ['0', '1', '2', '3', '4']);
    const got: Delivery[] = [];
    await o.connection.subscribe(request(queue, { kind: 'queue', prefetch: 2 }), (d) => void got.push(d));
    await eventually(() => expect(got).toHaveLength(2));
    await sleep(QUIET_MS);
    expect(got.map(text)).toEqual(['0', '1']);
    await o.connection.ack(got[0]!);
    await eventually(() => expect(got).toHaveLength(3));
    await sleep(QUIET_MS);
    expect(got.map(text)).toEqual(['0', '1', '2']);
    for (const d of got.slice(1)) await o.connection.ack(d);
    await eventually(() => expect(got).toHaveLength(5));
    for (const d of got.slice(3)) await o.connection.ack(d);
  });

  it('nack with requeue releases: the message comes back with redelivered = true', async () => {
    const o = await open();
    const queue = randomName('release');
    await sendAll(o, queue, ['once']);
    const got: Delivery[] = [];
    await o.connection.subscribe(request(queue, { kind: 'queue', prefetch: 5 }), (d) => {
      got.push(d);
      if (got.length === 1) void o.connection.nack(d, true);
      else void o.connection.ack(d);
    });
    await eventually(() => expect(got).toHaveLength(2));
    await sleep(QUIET_MS);
    expect(got.map((d) => [text(d), d.redelivered])).toEqual([
      ['once', false],
      ['once', true],
    ]);
  });

  it('nack without requeue rejects: the message is not delivered again', async () => {
    const o = await open();
    const queue = randomName('reject');
    await sendAll(o, queue, ['poison']);
    const got: string[] = [];
    await o.connection.subscribe(request(queue, { kind: 'queue', prefetch: 5 }), (d) => {
      got.push(text(d));
      void (text(d) === 'poison' ? o.connection.nack(d, false) : o.connection.ack(d));
    });
    await eventually(() => expect(got).toEqual(['poison']));
    await sendAll(o, queue, ['next']);
    await eventually(() => expect(got).toEqual(['poison', 'next']));
    await sleep(QUIET_MS);
    expect(got).toEqual(['poison', 'next']);
  });

  it('honours accepts and releases settled together in one tick (rhea merges mixed dispositions otherwise)', async () => {
    const o = await open();
    for (let round = 0; round < 3; round++) {
      const queue = randomName('mixed');
      const n = 40;
      await sendAll(o, queue, Array.from({ length: n }, (_, i) => String(i)));
      const first: Delivery[] = [];
      const again: Delivery[] = [];
      await o.connection.subscribe(request(queue, { kind: 'queue', prefetch: n }), (d) => {
        if (d.redelivered) {
          again.push(d);
          void o.connection.ack(d);
        } else first.push(d);
      });
      await eventually(() => expect(first).toHaveLength(n));
      // One synchronous pass: accept the even ones, release the odd ones.
      for (const d of first) void (Number(text(d)) % 2 === 0 ? o.connection.ack(d) : o.connection.nack(d, true));
      await eventually(() => expect(again).toHaveLength(n / 2));
      await sleep(QUIET_MS);
      expect(again.map(text).sort((x, y) => Number(x) - Number(y))).toEqual(
        Array.from({ length: n / 2 }, (_, i) => String(2 * i + 1)),
      );
    }
  });

  it('brings back every released delivery: 50 messages at prefetch 10, nacked once each, 10 rounds', async () => {
    const o = await open();
    for (let round = 0; round < 10; round++) {
      const queue = randomName('requeue');
      const n = 50;
      await sendAll(o, queue, Array.from({ length: n }, (_, i) => String(i)));
      const seen = new Set<string>();
      const back: Delivery[] = [];
      const subscription = await o.connection.subscribe(request(queue, { kind: 'queue', prefetch: 10 }), (d) => {
        if (!seen.has(text(d))) {
          seen.add(text(d));
          void o.connection.nack(d, true);
          return;
        }
        back.push(d);
        void o.connection.ack(d);
      });
      await eventually(() => expect(back).toHaveLength(n), 5000);
      expect(new Set(back.map(text)).size).toBe(n);
      expect(back.every((d) => d.redelivered)).toBe(true);
      await subscription.unsubscribe();
    }
  });

  it('gives unsettled deliveries back when the subscription ends', async () => {
    const o = await open();
    const queue = randomName('giveback');
    await sendAll(o, queue, ['a', 'b', 'c']);
    const held: Delivery[] = [];
    const subscription = await o.connection.subscribe(request(queue, { kind: 'queue', prefetch: 10 }), (d) => void held.push(d));
    await eventually(() => expect(held).toHaveLength(3));
    await subscription.unsubscribe();
    const other = await open();
    const got: Delivery[] = [];
    await other.connection.subscribe(request(queue, { kind: 'queue', prefetch: 10 }), (d) => {
      got.push(d);
      void other.connection.ack(d);
    });
    await eventually(() => expect(got.map(text).sort()).toEqual(['a', 'b', 'c']));
    expect(got.every((d) => d.redelivered)).toBe(true);
  });
});

describe('amqp transport on RabbitMQ 3.10: properties and bodies', () => {
  it('round-trips message-id, correlation-id, reply-to, content-type, ttl, priority and headers', async () => {
    const o = await open();
    const queue = randomName('props');
    const got: Delivery[] = [];
    await o.connection.subscribe(request(queue, { kind: 'queue' }), (d) => void got.push(d));
    const before = Date.now();
    await o.connection.publish(
      message(queue, new Uint8Array([0, 1, 2, 255]), {
        kind: 'queue',
        messageId: 'id-7',
        correlationId: 'corr-9',
        replyTo: 'replies.here',
        contentType: 'application/octet-stream',
        headers: { tenant: 'a', 'x-trace': 'abc 123', empty: '' },
        ttlMs: 60_000,
        priority: 5,
        persistent: true,
      }),
      true,
    );
    await eventually(() => expect(got).toHaveLength(1));
    const d = got[0]!;
    expect(d.bytes).toEqual(new Uint8Array([0, 1, 2, 255]));
    expect({ ...d, bytes: undefined, tag: undefined, expiresAt: undefined }).toEqual({
      destination: queue,
      bytes: undefined,
      headers: { tenant: 'a', 'x-trace': 'abc 123', empty: '' },
      messageId: 'id-7',
      correlationId: 'corr-9',
      replyTo: 'replies.here',
      contentType: 'application/octet-stream',
      priority: 5,
      expiresAt: undefined,
      redelivered: false,
      possibleDuplicate: false,
      tag: undefined,
    });
    expect(d.expiresAt).toBeGreaterThanOrEqual(before + 60_000);
    expect(d.expiresAt).toBeLessThanOrEqual(Date.now() + 60_000);
    await o.connection.ack(d);
  });

  it('carries the possible-duplicate flag in a header and removes it on receipt', async () => {
    const o = await open();
    const topic = randomName('dup');
    const got: Delivery[] = [];
    await o.connection.subscribe(request(topic), (d) => void got.push(d));
    await o.connection.publish(message(topic, 'again', { possibleDuplicate: true, headers: { a: 'b' } }), true);
    await eventually(() => expect(got).toHaveLength(1));
    expect(got[0]!.possibleDuplicate).toBe(true);
    expect(got[0]!.headers).toEqual({ a: 'b' });
    expect(POSSIBLE_DUPLICATE_HEADER in got[0]!.headers).toBe(false);
  });

  it('sends persistent messages durable (AMQP header) and the others not, as another AMQP client sees them', async () => {
    const o = await open();
    const queue = randomName('durable');
    await o.connection.publish(message(queue, 'kept', { kind: 'queue', persistent: true }), true);
    await o.connection.publish(message(queue, 'not kept', { kind: 'queue', persistent: false }), true);
    const url = new URL(broker.endpoints.amqp!);
    const raw = new RheaConnection({ host: url.hostname, port: Number(url.port), hostname: 'localhost', username: broker.username, password: broker.password, transport: 'tcp', reconnect: false });
    await raw.open();
    try {
      const seen: Array<{ body: string; durable: boolean | undefined }> = [];
      const receiver = await raw.createReceiver({ source: { address: `/queue/${queue}`, durable: 2 } });
      receiver.on(ReceiverEvents.message, (context: EventContext) => {
        const body = context.message!.body as { content?: Buffer } | Buffer | string;
        const bytes = Buffer.isBuffer(body) ? body : typeof body === 'string' ? Buffer.from(body) : Buffer.from(body.content ?? []);
        seen.push({ body: bytes.toString(), durable: context.message!.durable });
      });
      await eventually(() => expect(seen).toHaveLength(2));
      expect(seen).toEqual([{ body: 'kept', durable: true }, { body: 'not kept', durable: false }]);
    } finally {
      await raw.close();
    }
  });

  it('reads amqp-value bodies (string, binary) from other AMQP producers as bytes', async () => {
    const o = await open();
    const queue = randomName('value');
    const got: Delivery[] = [];
    await o.connection.subscribe(request(queue, { kind: 'queue' }), (d) => void got.push(d));
    const url = new URL(broker.endpoints.amqp!);
    const raw = new RheaConnection({ host: url.hostname, port: Number(url.port), hostname: 'localhost', username: broker.username, password: broker.password, transport: 'tcp', reconnect: false });
    await raw.open();
    try {
      const sender = await raw.createAwaitableSender({ target: { address: `/queue/${queue}`, durable: 2 } });
      await sender.send({ body: 'héllo' });
      await sender.send({ body: Buffer.from([7, 8, 9]) });
    } finally {
      await raw.close();
    }
    await eventually(() => expect(got).toHaveLength(2));
    expect(text(got[0]!)).toBe('héllo');
    expect(got[1]!.bytes).toEqual(new Uint8Array([7, 8, 9]));
  });

  it('receives a message larger than maxFrameBytes, split by the broker into several transfers', async () => {
    const receiver = await open({ transport: { maxFrameBytes: 4096 } });
    const sender = await open();
    const queue = randomName('big');
    const got: Delivery[] = [];
    await receiver.connection.subscribe(request(queue, { kind: 'queue' }), (d) => void got.push(d));
    const body = new Uint8Array(1024 * 1024).map((_, i) => i % 251);
    await sender.connection.publish(message(queue, body, { kind: 'queue' }), true);
    await eventually(() => expect(got).toHaveLength(1));
    expect(got[0]!.bytes.byteLength).toBe(body.byteLength);
    // Compared as bytes: a deep equality over a million elements is slow in vitest.
    expect(Buffer.compare(got[0]!.bytes, body)).toBe(0);
    expect(receiver.lost).toEqual([]);
  });
});

describe('amqp transport on RabbitMQ 3.10: close', () => {
  it('closes gracefully: onLost is never called, and later publishes reject with a retryable error', async () => {
    const o = await open();
    await o.connection.close();
    await sleep(QUIET_MS);
    expect(o.lost).toEqual([]);
    const late = o.connection.publish(message(randomName('late'), 'x'), true);
    await expect(late).rejects.toBeInstanceOf(ConnectionError);
    await expect(late).rejects.toMatchObject({ retryable: true });
  });
});
