/**
 * What a STOMP message carries, end to end on the shared brokers: application headers with every
 * character STOMP 1.2 escapes, binary bodies with NUL bytes, the message properties, and how
 * persistence, priority and TTL map onto each broker's headers (checked with a raw stompjs subscriber).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/core/errors.js';
import { POSSIBLE_DUPLICATE_HEADER, type Delivery, type TransportConnection } from '../../src/core/transport.js';
import type { BrokerInfo } from '../support/brokers.js';
import { rawStomp, type RawStomp } from '../support/raw-clients.js';
import { sharedBroker } from '../support/shared-brokers.js';
import { eventually, randomName, sleep } from '../support/wait.js';
import { closeAll, message, openStomp, request, text } from './stomp-support.js';

interface Target {
  name: string;
  broker: () => BrokerInfo;
  url: () => string;
  dialect: 'activemq' | 'rabbitmq';
}

const targets: Target[] = [
  { name: 'ActiveMQ (tcp)', broker: () => sharedBroker('activemq'), url: () => sharedBroker('activemq').endpoints.stomp!, dialect: 'activemq' },
  { name: 'RabbitMQ (tcp)', broker: () => sharedBroker('rabbitmq'), url: () => sharedBroker('rabbitmq').endpoints.stomp!, dialect: 'rabbitmq' },
  { name: 'RabbitMQ (Web-STOMP)', broker: () => sharedBroker('rabbitmq'), url: () => sharedBroker('rabbitmq').endpoints['stomp-ws']!, dialect: 'rabbitmq' },
];

/** Values stompjs alone would not bring back intact: it trims them and unescapes `\\n` as a line feed. */
const TRICKY_HEADERS: Record<string, string> = {
  colon: 'a:b::c',
  newline: 'line 1\nline 2',
  'carriage-return': 'before\rafter',
  backslash: 'C:\\new\\table\\r\\c',
  spaces: '  padded value  ',
  unicode: 'żółw 🐢 ✓',
  empty: '',
  'name:with\\escapes\nin it': 'the name is escaped too',
};

const open: TransportConnection[] = [];
const raws: RawStomp[] = [];
afterEach(async () => {
  await closeAll(open.splice(0));
  await Promise.all(raws.splice(0).map((r) => r.close().catch(() => undefined)));
});

describe.each(targets)('STOMP message contents on $name', (target) => {
  async function connection() {
    const opened = await openStomp(target.url(), target.broker());
    open.push(opened.connection);
    return opened.connection;
  }

  async function raw(): Promise<RawStomp> {
    const broker = target.broker();
    const client = await rawStomp(target.url(), broker.username ? { login: broker.username, passcode: broker.password! } : undefined);
    raws.push(client);
    return client;
  }

  it('brings custom headers back intact, with the characters STOMP 1.2 escapes', async () => {
    const c = await connection();
    const topic = randomName('hdr');
    const got: Delivery[] = [];
    await c.subscribe(request(topic), (d) => void got.push(d));
    await c.publish(message(topic, 'x', { headers: TRICKY_HEADERS }), true);
    await eventually(() => expect(got).toHaveLength(1));
    expect(got[0]!.headers).toEqual(TRICKY_HEADERS);
  });

  it('carries binary bodies with NUL and 0xFF bytes by content-length, and an empty body', async () => {
    const c = await connection();
    const queue = randomName('bin');
    const bodies = [new Uint8Array([0, 0, 1, 0, 255, 254, 0]), new Uint8Array(0), Uint8Array.from({ length: 70_000 }, (_, i) => (i * 7) % 256)];
    const got: Delivery[] = [];
    await c.subscribe(request(queue, { kind: 'queue' }), (d) => {
      got.push(d);
      void c.ack(d);
    });
    for (const body of bodies) await c.publish(message(queue, body, { kind: 'queue' }), true);
    await eventually(() => expect(got).toHaveLength(3));
    for (let i = 0; i < bodies.length; i++) {
      expect(got[i]!.bytes).toBeInstanceOf(Uint8Array);
      expect(Buffer.isBuffer(got[i]!.bytes)).toBe(false);
      expect(got[i]!.bytes).toEqual(bodies[i]);
    }
  });

  it('carries the message id, content type, correlation id and reply-to, and strips protocol headers', async () => {
    const c = await connection();
    const topic = randomName('props');
    const got: Delivery[] = [];
    await c.subscribe(request(topic), (d) => void got.push(d));
    await c.publish(
      message(topic, '{"a":1}', { messageId: 'id-1', contentType: 'application/json', correlationId: 'corr:7', replyTo: 'replies.here', headers: { tenant: 'a' } }),
      true,
    );
    await eventually(() => expect(got).toHaveLength(1));
    const d = got[0]!;
    expect({ messageId: d.messageId, contentType: d.contentType, correlationId: d.correlationId, replyTo: d.replyTo }).toEqual({
      messageId: 'id-1', contentType: 'application/json', correlationId: 'corr:7', replyTo: 'replies.here',
    });
    expect(d.headers).toEqual({ tenant: 'a' });
    expect(d.possibleDuplicate).toBe(false);
  });

  it('carries the possible-duplicate flag of a re-send in its header, and reports it as a flag only', async () => {
    const c = await connection();
    const topic = randomName('dup');
    const got: Delivery[] = [];
    await c.subscribe(request(topic), (d) => void got.push(d));
    await c.publish(message(topic, 'again', { possibleDuplicate: true, headers: { k: 'v' } }), true);
    await eventually(() => expect(got).toHaveLength(1));
    expect(got[0]!.possibleDuplicate).toBe(true);
    expect(got[0]!.headers).toEqual({ k: 'v' });
    expect(Object.keys(got[0]!.headers)).not.toContain(POSSIBLE_DUPLICATE_HEADER);
  });

  it('refuses header names the protocol or the broker owns, instead of losing them', async () => {
    const c = await connection();
    for (const name of ['destination', 'content-length', 'receipt', 'priority', 'expires', 'message-id', 'persistent', 'umq-message-id']) {
      const error = await c.publish(message(randomName('res'), 'x', { headers: { [name]: 'v' } }), true).catch((e: unknown) => e);
      expect({ name, error }).toEqual({ name, error: expect.any(InvalidArgumentError) });
    }
  });

  it("maps persistent, priority and TTL to the broker's headers", async () => {
    const c = await connection();
    const queue = randomName('map');
    const { frames, ready } = (await raw()).collect(`/queue/${queue}`);
    await ready;
    const before = Date.now();
    const ttlMs = 60_000;
    await c.publish(message(queue, 'mapped', { kind: 'queue', persistent: true, ttlMs, ...(target.dialect === 'activemq' && { priority: 7 }) }), true);
    await eventually(() => expect(frames).toHaveLength(1));
    const headers = frames[0]!.headers;
    expect(headers.persistent).toBe('true');
    if (target.dialect === 'activemq') {
      // ActiveMQ: `expires` is the absolute JMS expiration.
      expect(headers.priority).toBe('7');
      const expires = Number(headers.expires);
      expect(expires).toBeGreaterThanOrEqual(before + ttlMs);
      expect(expires).toBeLessThanOrEqual(Date.now() + ttlMs);
    } else {
      // RabbitMQ: `expiration` is the relative per-message TTL.
      expect(headers.expiration).toBe(String(ttlMs));
    }
  });

  it('reports expiresAt from the broker headers', async () => {
    const c = await connection();
    const topic = randomName('exp');
    const got: Delivery[] = [];
    await c.subscribe(request(topic), (d) => void got.push(d));
    const before = Date.now();
    await c.publish(message(topic, 'x', { ttlMs: 30_000 }), true);
    await c.publish(message(topic, 'y'), true);
    await eventually(() => expect(got).toHaveLength(2));
    expect(got[0]!.expiresAt).toBeGreaterThanOrEqual(before + 30_000);
    expect(got[0]!.expiresAt).toBeLessThanOrEqual(Date.now() + 30_000);
    expect(got[1]!.expiresAt).toBeUndefined();
  });

  it('lets the broker discard a message whose TTL passed before it was consumed', async () => {
    const c = await connection();
    const queue = randomName('ttl');
    await c.publish(message(queue, 'short', { kind: 'queue', ttlMs: 300 }), true);
    await c.publish(message(queue, 'long', { kind: 'queue', ttlMs: 60_000 }), true);
    await sleep(1500);
    const got: Delivery[] = [];
    await c.subscribe(request(queue, { kind: 'queue' }), (d) => {
      got.push(d);
      void c.ack(d);
    });
    await eventually(() => expect(got.map(text)).toEqual(['long']));
    await sleep(300);
    expect(got.map(text)).toEqual(['long']);
  });

  if (target.dialect === 'activemq') {
    it('delivers higher priority first from a queue (ActiveMQ prioritizedMessages)', async () => {
      const c = await connection();
      const queue = randomName('prio');
      for (const [body, priority] of [['low-1', 1], ['low-2', 1], ['high', 9], ['mid', 5]] as const) {
        await c.publish(message(queue, body, { kind: 'queue', priority }), true);
      }
      const got: Delivery[] = [];
      await c.subscribe(request(queue, { kind: 'queue', prefetch: 1 }), (d) => {
        got.push(d);
        void c.ack(d);
      });
      await eventually(() => expect(got).toHaveLength(4));
      expect(got.map(text)).toEqual(['high', 'mid', 'low-1', 'low-2']);
      expect(got.map((d) => d.priority)).toEqual([9, 5, 1, 1]);
    });
  }
});
