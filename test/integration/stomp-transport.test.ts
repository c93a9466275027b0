/**
 * The STOMP transport through its own open(), on the shared brokers: ActiveMQ 5.17 over TCP, RabbitMQ 3.10
 * over TCP and Web-STOMP. Handshake and dialect, RECEIPT-confirmed sends, wildcards, prefetch, acks,
 * nacks with and without requeue, unsubscribe, close.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionError, UnsupportedError } from '../../src/core/errors.js';
import { parseEndpoint } from '../../src/core/endpoints.js';
import type { Delivery, TransportConnection } from '../../src/core/transport.js';
import type { StompConnection } from '../../src/transports/stomp/connection.js';
import { stomp } from '../../src/transports/stomp/index.js';
import type { BrokerInfo } from '../support/brokers.js';
import { rawStomp, type RawStomp } from '../support/raw-clients.js';
import { sharedBroker } from '../support/shared-brokers.js';
import { eventually, randomName, sleep } from '../support/wait.js';
import { closeAll, message, openStomp, request, text, type Opened } from './stomp-support.js';

const QUIET_MS = 300;

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

const open: TransportConnection[] = [];
const raws: RawStomp[] = [];
afterEach(async () => {
  await closeAll(open.splice(0));
  await Promise.all(raws.splice(0).map((r) => r.close().catch(() => undefined)));
});

describe.each(targets)('STOMP transport on $name', (target) => {
  async function connection(extra: Parameters<typeof openStomp>[2] = {}): Promise<Opened> {
    const opened = await openStomp(target.url(), target.broker(), extra);
    open.push(opened.connection);
    return opened;
  }

  function collect(into: Delivery[]) {
    return (d: Delivery) => void into.push(d);
  }

  it('opens with STOMP 1.2 and detects the broker dialect from CONNECTED', async () => {
    const { connection: c } = await connection();
    const stompConnection = c as StompConnection;
    expect(stompConnection.version).toBe('1.2');
    expect(stompConnection.dialect).toBe(target.dialect);
    expect(c.capabilities).toMatchObject({ queues: true, wildcards: true, headers: true, durableSubscriptions: true, nack: true, ttl: true });
    expect(c.capabilities.priority).toBe(target.dialect === 'activemq');
  });

  it('lets the dialect option override the detection', async () => {
    const { connection: c } = await connection({ transport: { dialect: 'generic' } });
    expect((c as StompConnection).dialect).toBe('generic');
    expect(c.capabilities).toMatchObject({ wildcards: false, durableSubscriptions: false, priority: false, ttl: false });
  });

  it('resolves a confirmed publish on its RECEIPT, and delivers confirmed and unconfirmed ones in order', async () => {
    const { connection: c } = await connection();
    const topic = randomName('receipt');
    const got: Delivery[] = [];
    await c.subscribe(request(topic), collect(got));
    await c.publish(message(topic, 'confirmed'), true);
    await c.publish(message(topic, 'unconfirmed'), false);
    await Promise.all(Array.from({ length: 50 }, (_, i) => c.publish(message(topic, String(i)), true)));
    await eventually(() => expect(got).toHaveLength(52));
    await sleep(QUIET_MS);
    expect(got.map(text)).toEqual(['confirmed', 'unconfirmed', ...Array.from({ length: 50 }, (_, i) => String(i))]);
    expect(got[0]!.destination).toBe(topic);
  });

  it('maps * to one segment and # to trailing segments in the broker dialect', async () => {
    const { connection: c } = await connection();
    const root = randomName('wild');
    const star: string[] = [];
    const hash: string[] = [];
    await c.subscribe(request(`${root}.*.created`), (d) => void star.push(d.destination));
    await c.subscribe(request(`${root}.eu.#`), (d) => void hash.push(d.destination));
    for (const name of [`${root}.eu.created`, `${root}.us.created`, `${root}.eu.x.created`, `${root}.created`]) {
      await c.publish(message(name, 'x'), true);
    }
    await eventually(() => expect([star.length, hash.length]).toEqual([2, 2]));
    await sleep(QUIET_MS);
    expect(star.sort()).toEqual([`${root}.eu.created`, `${root}.us.created`]);
    expect(hash.sort()).toEqual([`${root}.eu.created`, `${root}.eu.x.created`]);
  });

  it('sends wildcard patterns in the broker spelling (a raw client on the same broker agrees)', async () => {
    const { connection: c } = await connection();
    const root = randomName('spell');
    const credentials = target.broker().username ? { login: target.broker().username!, passcode: target.broker().password! } : undefined;
    const raw = await rawStomp(target.url(), credentials);
    raws.push(raw);
    const trailing = target.dialect === 'activemq' ? '>' : '#';
    const { bodies, ready } = raw.collect(`/topic/${root}.${trailing}`);
    await ready;
    await c.publish(message(`${root}.a.b`, 'deep'), true);
    await eventually(() => expect(bodies).toEqual(['deep']));
  });

  it('lets the broker push at most `prefetch` unacknowledged messages of a queue', async () => {
    const { connection: c } = await connection();
    const queue = randomName('prefetch');
    for (let i = 0; i < 5; i++) await c.publish(message(queue, String(i), { kind: 'queue' }), true);
    const got: Delivery[] = [];
    await c.subscribe(request(queue, { kind: 'queue', prefetch: 2 }), collect(got));
    await eventually(() => expect(got).toHaveLength(2));
    await sleep(QUIET_MS);
    expect(got).toHaveLength(2);
    await c.ack(got[0]!);
    await eventually(() => expect(got).toHaveLength(3));
    await sleep(QUIET_MS);
    expect(got).toHaveLength(3);
    for (const d of got.slice(1)) await c.ack(d);
    await eventually(() => expect(got).toHaveLength(5));
    await c.ack(got[3]!);
    await c.ack(got[4]!);
    expect(got.map(text)).toEqual(['0', '1', '2', '3', '4']);
  });

  it('redelivers a message nacked with requeue, flagged redelivered, until it is acked', async () => {
    const { connection: c } = await connection();
    const queue = randomName('requeue');
    await c.publish(message(queue, 'again', { kind: 'queue' }), true);
    const got: Delivery[] = [];
    await c.subscribe(request(queue, { kind: 'queue', prefetch: 5 }), (d) => {
      got.push(d);
      if (got.length < 3) void c.nack(d, true);
      else void c.ack(d);
    });
    await eventually(() => expect(got).toHaveLength(3));
    await sleep(QUIET_MS);
    expect(got).toHaveLength(3);
    expect(got.map(text)).toEqual(['again', 'again', 'again']);
    expect(got.map((d) => d.redelivered)).toEqual([false, true, true]);
    // Acked: a new consumer finds the queue empty.
    const after: Delivery[] = [];
    await c.subscribe(request(queue, { kind: 'queue' }), collect(after));
    await sleep(QUIET_MS);
    expect(after).toEqual([]);
  });

  it('drops or dead-letters a message nacked without requeue', async () => {
    const { connection: c } = await connection();
    const queue = randomName('reject');
    const marker = `m${Date.now()}${Math.floor(Math.random() * 1e6)}`;
    await c.publish(message(queue, 'poison', { kind: 'queue', headers: { umqtest: marker } }), true);
    const got: Delivery[] = [];
    const sub = await c.subscribe(request(queue, { kind: 'queue' }), (d) => {
      got.push(d);
      void c.nack(d, false);
    });
    await eventually(() => expect(got).toHaveLength(1));
    await sleep(QUIET_MS);
    expect(got).toHaveLength(1);
    await sub.unsubscribe();
    const again: Delivery[] = [];
    await c.subscribe(request(queue, { kind: 'queue' }), collect(again));
    await sleep(QUIET_MS);
    expect(again).toEqual([]);
    if (target.dialect === 'activemq') {
      // ActiveMQ's STOMP NACK is a poison ack: straight to the dead-letter queue.
      const raw = await rawStomp(target.url());
      raws.push(raw);
      const { bodies } = raw.collect('/queue/ActiveMQ.DLQ', { selector: `umqtest = '${marker}'` });
      await eventually(() => expect(bodies).toEqual(['poison']));
    }
  });

  it('hands unacknowledged messages back to the queue on unsubscribe, and ignores their late acks', async () => {
    const { connection: c, lost } = await connection();
    const queue = randomName('handback');
    for (let i = 0; i < 3; i++) await c.publish(message(queue, String(i), { kind: 'queue' }), true);
    const first: Delivery[] = [];
    const sub = await c.subscribe(request(queue, { kind: 'queue', prefetch: 3 }), collect(first));
    await eventually(() => expect(first).toHaveLength(3));
    await sub.unsubscribe();
    // Late acks of the ended subscription: ActiveMQ and RabbitMQ would answer them with an ERROR.
    for (const d of first) await c.ack(d);
    const second: Delivery[] = [];
    await c.subscribe(request(queue, { kind: 'queue', prefetch: 3 }), (d) => {
      second.push(d);
      void c.ack(d);
    });
    await eventually(() => expect(second.map(text).sort()).toEqual(['0', '1', '2']));
    await sleep(QUIET_MS);
    expect(second).toHaveLength(3);
    expect(second.every((d) => d.redelivered)).toBe(true);
    expect(lost).toEqual([]);
  });

  it('closes gracefully without reporting a loss, and then refuses to publish with a retryable error', async () => {
    const { connection: c, lost } = await connection();
    const topic = randomName('close');
    const pending = Array.from({ length: 20 }, (_, i) => c.publish(message(topic, String(i)), true));
    await Promise.all(pending);
    await c.close();
    await sleep(100);
    expect(lost).toEqual([]);
    const error = await c.publish(message(topic, 'late'), true).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).retryable).toBe(true);
  });
});

describe('STOMP transport schemes', () => {
  it('rejects a scheme it cannot serve with UnsupportedError naming the ones it serves', async () => {
    const endpoint = parseEndpoint('mqtt://127.0.0.1:1883');
    const error = await stomp()
      .open(endpoint, {
        clientId: 'x', username: undefined, password: undefined, heartbeatMs: 1000, connectTimeoutMs: 1000,
        tls: undefined, signal: new AbortController().signal, logger: undefined, onLost: () => undefined,
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedError);
    expect((error as Error).message).toBe('The STOMP transport serves stomp://, stomp+ssl://, stomp+tls://, ws://, wss:// endpoints, not mqtt:// (mqtt://127.0.0.1:1883)');
  });
});
