/**
 * The AMQP transport's pure pieces, without a broker: the frame scanner on every chunking, the
 * heartbeat arithmetic, received bodies and names, addresses per dialect, and the settlement batches
 * that keep rhea from merging different outcomes.
 */
import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConnectionError, InvalidDestinationError, RejectedError } from '../../src/core/errors.js';
import { SETTLED } from '../../src/core/transport.js';
import { destinationOf, detectDialect, source, target } from '../../src/transports/amqp/dialect.js';
import { FrameScanner } from '../../src/transports/amqp/frame-scanner.js';
import { bodyBytes } from '../../src/transports/amqp/inbound.js';
import { keepAliveFor } from '../../src/transports/amqp/keep-alive.js';
import { AddressSender } from '../../src/transports/amqp/sender.js';
import { Settlements } from '../../src/transports/amqp/settlement.js';
import { outcomeError, translateLinkError } from '../../src/transports/amqp/translate.js';
import { AMQP_HEADER, SASL_HEADER } from './amqp-support.js';

function frame(bodyLength: number): Buffer {
  const size = 8 + bodyLength;
  const out = Buffer.alloc(size, 0xab);
  out.writeUInt32BE(size, 0);
  out[4] = 2;
  out[5] = 0;
  return out;
}

function scanIn(scanner: FrameScanner, bytes: Buffer, chunkSize: number) {
  for (let at = 0; at < bytes.length; at += chunkSize) {
    const violation = scanner.scan(bytes.subarray(at, at + chunkSize));
    if (violation) return violation;
  }
  return undefined;
}

describe('FrameScanner', () => {
  const stream = Buffer.concat([SASL_HEADER, frame(20), frame(0), AMQP_HEADER, frame(1000), frame(3), frame(4096 - 8)]);

  it.each([1, 2, 3, 7, 8, 9, 13, 4096, stream.length])('passes a valid stream cut into chunks of %i bytes', (chunk) => {
    const scanner = new FrameScanner(4096);
    expect(scanIn(scanner, stream, chunk)).toBeUndefined();
    expect(scanner.greeted).toBe(true);
  });

  it.each([1, 5, 8, 64])('refuses a frame declaring more than the limit, in chunks of %i bytes', (chunk) => {
    const scanner = new FrameScanner(4096);
    const tooBig = Buffer.concat([AMQP_HEADER, frame(16), Buffer.from([0, 0, 0x10, 0x01, 2, 0, 0, 0])]);
    expect(scanIn(scanner, tooBig, chunk)).toEqual({ kind: 'too-large', size: 4097 });
  });

  it('says which leading bytes of a chunk hold whole frames before an oversized one', () => {
    const scanner = new FrameScanner(4096);
    const sound = Buffer.concat([AMQP_HEADER, frame(16), frame(100)]);
    expect(scanner.scan(Buffer.concat([sound, Buffer.from([0, 0, 0x10, 0x01, 2, 0, 0, 0])]))).toEqual({ kind: 'too-large', size: 4097 });
    expect(scanner.safeLength).toBe(sound.length);
    // A frame header split over two chunks: the second holds nothing sound.
    const split = new FrameScanner(4096);
    expect(split.scan(Buffer.concat([AMQP_HEADER, Buffer.from([0, 0, 0x10])]))).toBeUndefined();
    expect(split.scan(Buffer.from([0x01, 2, 0, 0, 0]))).toEqual({ kind: 'too-large', size: 4097 });
    expect(split.safeLength).toBe(0);
  });

  it('tells a TLS answer, an HTTP answer and an old AMQP version apart from the first bytes', () => {
    expect(new FrameScanner(4096).scan(Buffer.from([0x15, 3, 3, 0, 2, 2, 0x46]))).toEqual({ kind: 'not-amqp', firstByte: 0x15 });
    expect(new FrameScanner(4096).scan(Buffer.from('HTTP/1.1 400 Bad Request\r\n'))).toEqual({ kind: 'not-amqp', firstByte: 0x48 });
    expect(new FrameScanner(4096).scan(Buffer.from([0x41, 0x4d, 0x51, 0x50, 0, 0, 9, 1]))).toEqual({ kind: 'version', protocolId: 0, version: '0.9.1' });
    expect(new FrameScanner(4096).scan(Buffer.concat([AMQP_HEADER, Buffer.from([0, 0, 0, 4, 2, 0, 0, 0])]))).toEqual({ kind: 'malformed', size: 4 });
  });
});

describe('keepAliveFor', () => {
  it.each([
    [10_000, 5000, 10_000],
    [2000, 1000, 2000],
    [3000, 1000, 3000],
    [1000, 1000, 1000],
    [500, 1000, 1000],
    [60_000, 30_000, 60_000],
  ])('heartbeatMs %i → idle-time-out %i ms, dead after %i ms of silence', (heartbeatMs, idleTimeOutMs, deadAfterMs) => {
    expect(keepAliveFor(heartbeatMs)).toEqual({ idleTimeOutMs, deadAfterMs });
  });

  it('keeps detection within 1.25 × heartbeatMs from 1 s up (the watchdog checks every quarter)', () => {
    for (let heartbeatMs = 1000; heartbeatMs <= 120_000; heartbeatMs += 250) {
      const { idleTimeOutMs, deadAfterMs } = keepAliveFor(heartbeatMs)!;
      expect(deadAfterMs).toBeLessThanOrEqual(heartbeatMs);
      // RabbitMQ 3.x sends every (idle-time-out in whole seconds)/2: at least two frames per window.
      expect((Math.floor(idleTimeOutMs / 1000) * 1000) / 2).toBeLessThanOrEqual(deadAfterMs / 2);
    }
  });

  it('turns the watchdog off without a heartbeat', () => {
    expect(keepAliveFor(0)).toBeUndefined();
    expect(keepAliveFor(Infinity)).toBeUndefined();
  });
});

describe('received messages', () => {
  it('reads every body form as bytes', () => {
    expect(bodyBytes({ typecode: 0x75, content: Buffer.from([1, 2]) })).toEqual(new Uint8Array([1, 2]));
    expect(bodyBytes({ typecode: 0x75, content: [Buffer.from([1]), Buffer.from([2, 3])], multiple: true })).toEqual(new Uint8Array([1, 2, 3]));
    expect(bodyBytes('héllo')).toEqual(new TextEncoder().encode('héllo'));
    expect(bodyBytes(Buffer.from([9]))).toEqual(new Uint8Array([9]));
    expect(bodyBytes(undefined)).toEqual(new Uint8Array(0));
    expect(new TextDecoder().decode(bodyBytes({ typecode: 0x76, content: [1, 'a'] }))).toBe('[1,"a"]');
    expect(new TextDecoder().decode(bodyBytes({ a: 1n }))).toBe('{"a":"1"}');
  });

  it('names a message by its to, else the routing key, else the subscription', () => {
    expect(destinationOf('/topic/a.b', undefined, undefined, 'a.*')).toBe('a.b');
    expect(destinationOf('/queue/q1', undefined, undefined, 'q1')).toBe('q1');
    expect(destinationOf('topic://a.b', undefined, undefined, 'a.>')).toBe('a.b');
    expect(destinationOf('/exchanges/amq.topic/a%2Eb', undefined, undefined, 'x')).toBe('a.b');
    expect(destinationOf(undefined, 'a.b.c', undefined, 'a.#')).toBe('a.b.c');
    expect(destinationOf(undefined, undefined, 'k.1', 'k.*')).toBe('k.1');
    expect(destinationOf(undefined, undefined, undefined, 'q')).toBe('q');
  });
});

describe('dialects', () => {
  it('detects the broker from its open properties', () => {
    expect(detectDialect({ product: 'RabbitMQ', version: '3.10.8' })).toBe('rabbitmq');
    expect(detectDialect({ product: 'RabbitMQ', version: '4.0.5' })).toBe('rabbitmq4');
    expect(detectDialect({ product: 'apache-activemq-artemis', version: '2.33.0' })).toBe('artemis');
    expect(detectDialect({ product: 'ActiveMQ', version: '5.18.3' })).toBe('activemq');
    expect(detectDialect(undefined)).toBe('activemq');
  });

  it('maps names and wildcards to each dialect', () => {
    expect([target('rabbitmq', 'queue', 'q.1'), target('rabbitmq', 'topic', 'a.b'), source('rabbitmq', 'topic', 'a.*.#')]).toEqual([
      { address: '/queue/q.1', durable: 2 },
      { address: '/topic/a.b' },
      { address: '/topic/a.*.#' },
    ]);
    expect([target('activemq', 'queue', 'q'), source('activemq', 'topic', 'a.*.#')]).toEqual([{ address: 'queue://q' }, { address: 'topic://a.*.>' }]);
    expect([target('rabbitmq4', 'queue', 'q'), target('rabbitmq4', 'topic', 'a.b'), source('rabbitmq4', 'queue', 'q')]).toEqual([
      { address: '/queues/q' },
      { address: '/exchanges/amq.topic/a.b' },
      { address: '/queues/q' },
    ]);
    expect([target('artemis', 'topic', 'a.b'), source('artemis', 'topic', 'a.*.#')]).toEqual([
      { address: 'a.b', capabilities: ['topic'] },
      { address: 'a.*.#', capabilities: ['topic'] },
    ]);
  });
});

describe('Settlements', () => {
  function fakeDelivery(log: string[], name: string) {
    return {
      settled: false,
      accept() { log.push(`${name}:accept`); },
      release() { log.push(`${name}:release`); },
      reject() { log.push(`${name}:reject`); },
    } as never;
  }

  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('sends a stream of one outcome at once, and holds a different outcome for the next batch, in order', () => {
    const log: string[] = [];
    const settlements = new Settlements();
    settlements.settle(fakeDelivery(log, 'a'), 'accept');
    settlements.settle(fakeDelivery(log, 'b'), 'accept');
    settlements.settle(fakeDelivery(log, 'c'), 'release');
    settlements.settle(fakeDelivery(log, 'd'), 'accept');
    settlements.settle(fakeDelivery(log, 'e'), 'reject');
    expect(log).toEqual(['a:accept', 'b:accept']);
    vi.advanceTimersToNextTimer();
    expect(log).toEqual(['a:accept', 'b:accept', 'c:release']);
    vi.advanceTimersToNextTimer();
    expect(log).toEqual(['a:accept', 'b:accept', 'c:release', 'd:accept']);
    vi.advanceTimersToNextTimer();
    expect(log).toEqual(['a:accept', 'b:accept', 'c:release', 'd:accept', 'e:reject']);
  });
});

describe('send outcomes', () => {
  const endpoint = { display: 'amqp://broker:5672' } as never;

  it('maps rejected to a final RejectedError, released and modified to a retryable error, never with the password', () => {
    const rejected = outcomeError('rejected', { condition: 'amqp:precondition-failed', description: 'queue full for s3cret' }, endpoint, 's3cret');
    expect(rejected).toBeInstanceOf(RejectedError);
    expect(rejected.retryable).toBe(false);
    expect(rejected.message).toBe('amqp://broker:5672 rejected the message (queue full for ***)');
    for (const outcome of ['released', 'modified'] as const) {
      const error = outcomeError(outcome, undefined, endpoint, undefined);
      expect([error.code, error.retryable]).toEqual(['REJECTED', true]);
      expect(error.message).toBe(`amqp://broker:5672 ${outcome} the message without taking it; it is sent again`);
    }
  });

  it('maps a refused link to InvalidDestinationError (not found) or RejectedError (not allowed)', () => {
    expect(translateLinkError({ condition: 'amqp:not-found', description: 'no queue' }, endpoint, undefined, 'a.b')).toBeInstanceOf(InvalidDestinationError);
    expect(translateLinkError({ condition: 'amqp:unauthorized-access', description: 'access refused' }, endpoint, undefined, 'a.b')).toBeInstanceOf(RejectedError);
  });

  /** A stand-in for rhea-promise's Sender: the session attaches it when `attach()` is called. */
  function fakeSession() {
    const link = Object.assign(new EventEmitter(), {
      credit: 0,
      written: [] as Array<{ body: string; delivery: object }>,
      sendSettleMode: 2,
      sendable() { return this.credit > 0; },
      send(message: { body: string }) {
        this.credit--;
        const delivery = { remote_state: undefined as unknown, settled: false };
        this.written.push({ body: message.body, delivery });
        return delivery;
      },
      close: () => Promise.resolve(),
    });
    let attach!: () => void;
    let fail!: (error: unknown) => void;
    const session = { createSender: () => new Promise((resolve, reject) => { attach = () => resolve(link); fail = reject; }) };
    return { link, session: session as never, attach: () => attach(), fail: (e: unknown) => fail(e) };
  }

  function owner(forgotten: unknown[]) {
    return {
      inDoubt: () => new ConnectionError('in doubt'),
      outcome: (outcome: 'rejected' | 'released' | 'modified', remote: unknown) => outcomeError(outcome, remote, endpoint, undefined),
      linkError: (error: unknown, destination: string) => translateLinkError(error, endpoint, undefined, destination),
      forget: (sender: unknown) => void forgotten.push(sender),
    };
  }

  /** Records the outcome of one send's promise. */
  function settleable(sent: Promise<void>) {
    const outcome: { value?: unknown } = {};
    sent.then(() => void (outcome.value = 'accepted'), (e: unknown) => void (outcome.value = e));
    return outcome;
  }

  it('queues sends behind the attach and the credit, writes them in order, and settles each by its own outcome', async () => {
    const { link, session, attach } = fakeSession();
    const sender = new AddressSender(owner([]), session, 'queue', 'q', { address: '/queue/q' });
    const sends = ['a', 'b', 'c', 'd'].map((body) => ({ outcome: settleable(sender.send({ body } as never, true)) }));
    expect(link.written).toEqual([]);
    link.credit = 3;
    attach();
    await Promise.resolve();
    await Promise.resolve();
    expect(link.written.map((w) => w.body)).toEqual(['a', 'b', 'c']);
    link.credit = 1;
    link.emit('sendable');
    expect(link.written.map((w) => w.body)).toEqual(['a', 'b', 'c', 'd']);
    const [a, b, c] = link.written.map((w) => w.delivery) as Array<{ remote_state: unknown }>;
    b!.remote_state = { error: { condition: 'amqp:precondition-failed', description: 'full' } };
    link.emit('accepted', { delivery: a });
    link.emit('rejected', { delivery: b });
    link.emit('released', { delivery: c });
    await Promise.resolve();
    expect(sends[0]!.outcome.value).toBe('accepted');
    expect(sends[1]!.outcome.value).toBeInstanceOf(RejectedError);
    expect(sends[2]!.outcome.value).toMatchObject({ code: 'REJECTED', retryable: true });
    expect(sends[3]!.outcome.value).toBeUndefined();
  });

  it('writes an unconfirmed send pre-settled, resolved at once (SETTLED) when the link has credit, and in order after those waiting', async () => {
    const { link, session, attach } = fakeSession();
    const sender = new AddressSender(owner([]), session, 'topic', 't', { address: '/topic/t' });
    const early = settleable(sender.send({ body: 'a' } as never, false));
    link.credit = 2;
    attach();
    await Promise.resolve();
    await Promise.resolve();
    expect(early.value).toBe('accepted');
    const now = sender.send({ body: 'b' } as never, false);
    expect(now).toBe(SETTLED);
    const later = settleable(sender.send({ body: 'c' } as never, false));
    await Promise.resolve();
    expect(later.value).toBeUndefined();
    link.credit = 1;
    link.emit('sendable');
    await Promise.resolve();
    expect(later.value).toBe('accepted');
    expect(link.written.map((w) => [w.body, (w.delivery as { settled: boolean }).settled])).toEqual([['a', true], ['b', true], ['c', true]]);
  });

  it('fails what waits with the attach error, and forgets the link', async () => {
    const forgotten: unknown[] = [];
    const { session, fail } = fakeSession();
    const sender = new AddressSender(owner(forgotten), session, 'queue', 'q', { address: '/queue/q' });
    const s = { outcome: settleable(sender.send({ body: 'x' } as never, true)) };
    fail({ condition: 'amqp:not-found', description: 'no such queue' });
    await Promise.resolve();
    await Promise.resolve();
    expect(s.outcome.value).toBeInstanceOf(InvalidDestinationError);
    expect(forgotten).toEqual([sender]);
  });
});
