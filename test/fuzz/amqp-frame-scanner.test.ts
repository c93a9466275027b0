/**
 * Fuzzing the AMQP 1.0 inbound guard (src/transports/amqp/guarded-socket.ts and its frame scanner):
 * random bytes in random chunks, frame sizes at and past the cap, sizes below a frame header, wrong
 * protocol headers, truncated frames.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConnectionError, PayloadTooLargeError, UnifiedMqError, UnsupportedError } from '../../src/core/errors.js';
import { parseEndpoint } from '../../src/core/endpoints.js';
import { GuardedSocket } from '../../src/transports/amqp/guarded-socket.js';
import { concat, cuts, randomBytes, RUNS, split, startsWith } from './streams.js';

const endpoint = parseEndpoint('amqp://fuzz:5672');
const SASL_HEADER = Uint8Array.of(0x41, 0x4d, 0x51, 0x50, 3, 1, 0, 0);
const AMQP_HEADER = Uint8Array.of(0x41, 0x4d, 0x51, 0x50, 0, 1, 0, 0);

/** Feeds `chunks` through the guard; returns what rhea would have been given, and why it failed. */
function feed(chunks: Uint8Array[], cap: number) {
  const socket = new GuardedSocket(endpoint, cap);
  const passed: Uint8Array[] = [];
  let failure: unknown;
  socket.on('data', (chunk) => void passed.push((chunk as Uint8Array).slice()));
  socket.on('error', (error) => void (failure ??= error));
  socket.attach({ write() {}, end() {}, destroy() {} }, () => undefined);
  for (const chunk of chunks) socket.data(chunk);
  return { passed: concat(passed), failure };
}

function frame(size: number, rest: Uint8Array): Uint8Array {
  const head = new Uint8Array(8);
  new DataView(head.buffer).setUint32(0, size);
  head[4] = 2; // DOFF
  return concat([head, rest]);
}

const cap = fc.integer({ min: 64, max: 4096 });
const frames = (limit: number) =>
  fc.array(fc.uint8Array({ maxLength: Math.min(300, limit - 8) }).map((body) => frame(8 + body.length, body)), { maxLength: 12 });
const offender = (limit: number) =>
  fc.oneof(
    fc.tuple(fc.integer({ min: limit + 1, max: 0xffffffff }), fc.uint8Array({ maxLength: 64 }))
      .map(([size, start]) => ({ error: PayloadTooLargeError, bytes: frame(size, start) })),
    fc.integer({ min: 0, max: 7 }).map((size) => ({ error: ConnectionError, bytes: frame(size, new Uint8Array(4)) })),
    // A protocol header in the middle of the stream for another version (e.g. 0-9-1).
    fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 2, max: 255 }))
      .map(([id, major]) => ({ error: UnifiedMqError, bytes: Uint8Array.of(0x41, 0x4d, 0x51, 0x50, id, major, 0, 0) })),
  );

describe('fuzz: AMQP frame scanner', () => {
  it('never throws on random bytes; a failure is a typed error', () => {
    fc.assert(
      fc.property(randomBytes, cuts, fc.boolean(), cap, (bytes, at, afterHeader, limit) => {
        const stream = afterHeader ? concat([SASL_HEADER, bytes]) : bytes;
        const { passed, failure } = feed(split(stream, at), limit);
        if (failure) expect(failure).toBeInstanceOf(UnifiedMqError);
        else expect(passed).toEqual(stream);
      }),
      { numRuns: RUNS },
    );
  });

  it('delivers every whole frame ahead of an offending one, and nothing of it past its 8-byte header', () => {
    fc.assert(
      fc.property(cap.chain((limit) => fc.tuple(fc.constant(limit), frames(limit), offender(limit), cuts)), ([limit, good, bad, at]) => {
        const sound = concat([SASL_HEADER, ...good, AMQP_HEADER]);
        const { passed, failure } = feed(split(concat([sound, bad.bytes]), at), limit);
        expect(failure).toBeInstanceOf(bad.error);
        expect(failure).not.toBeInstanceOf(UnsupportedError);
        expect(startsWith(passed, sound)).toBe(true);
        const ofOffender = passed.subarray(sound.length);
        expect(ofOffender.length).toBeLessThan(8);
        expect(startsWith(bad.bytes, ofOffender)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('passes truncated streams of sound frames whole, without failing', () => {
    fc.assert(
      fc.property(cap.chain((limit) => fc.tuple(fc.constant(limit), frames(limit), fc.nat(), cuts)), ([limit, good, keep, at]) => {
        const whole = concat([SASL_HEADER, ...good]);
        const truncated = whole.subarray(0, keep % (whole.length + 1));
        const { passed, failure } = feed(split(truncated, at), limit);
        expect(failure).toBeUndefined();
        expect(passed).toEqual(truncated);
      }),
      { numRuns: RUNS },
    );
  });

  it('accepts a frame of exactly the cap and refuses one byte more', () => {
    fc.assert(
      fc.property(fc.integer({ min: 8, max: 0xfffffffe }), cuts, (limit, at) => {
        expect(feed(split(concat([SASL_HEADER, frame(limit, new Uint8Array(0))]), at), limit).failure).toBeUndefined();
        expect(feed(split(concat([SASL_HEADER, frame(limit + 1, new Uint8Array(0))]), at), limit).failure).toBeInstanceOf(PayloadTooLargeError);
      }),
      { numRuns: RUNS },
    );
  });
});
