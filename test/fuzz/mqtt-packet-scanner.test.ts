/**
 * Fuzzing the MQTT inbound guard (src/transports/mqtt/inbound-guard.ts and its packet scanner): random
 * bytes in random chunks, packets at and past the size cap, malformed lengths, truncated packets.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConnectionError, PayloadTooLargeError, UnifiedMqError } from '../../src/core/errors.js';
import { InboundGuard } from '../../src/transports/mqtt/inbound-guard.js';
import { concat, cuts, randomBytes, RUNS, split, startsWith } from './streams.js';

/** MQTT's variable byte integer (3.1.1 §2.2.3). */
function remainingLength(n: number): Uint8Array {
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return Uint8Array.from(out);
}

function packet(type: number, body: Uint8Array): Uint8Array {
  return concat([Uint8Array.of(type), remainingLength(body.length), body]);
}

const CONNACK = packet(0x20, Uint8Array.of(0, 0));

/** Feeds `chunks` through a guard; returns what it let through to mqtt.js and why it failed, if it did. */
function feed(chunks: Uint8Array[], cap: number) {
  const guard = new InboundGuard(cap, 'mqtt://fuzz:1883');
  const passed: Uint8Array[] = [];
  for (const chunk of chunks) guard.admit(chunk, (bytes) => void passed.push(bytes.slice()));
  return { passed: concat(passed), failure: guard.failure };
}

const cap = fc.integer({ min: 16, max: 4096 });
/** Whole packets under the cap: any type byte, any body. */
const packets = (limit: number) =>
  fc.array(fc.tuple(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: Math.min(300, limit - 5) })), { maxLength: 12 })
    .map((list) => list.map(([type, body]) => packet(type, body)));

/** A packet that breaks a rule: a declared length past the cap (up to MQTT's maximum), or a 5-byte length. */
const offender = (limit: number) =>
  fc.oneof(
    fc.record({
      kind: fc.constant('too-large' as const),
      bytes: fc.tuple(fc.integer({ min: limit, max: 268_435_455 }), fc.uint8Array({ maxLength: 64 }))
        .map(([length, start]) => concat([Uint8Array.of(0x30), remainingLength(length), start])),
    }),
    fc.record({
      kind: fc.constant('malformed' as const),
      bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }).map((rest) => concat([Uint8Array.of(0x30, 0x80, 0x80, 0x80, 0x80), rest])),
    }),
  );

describe('fuzz: MQTT packet scanner', () => {
  it('never throws on random bytes; a failure is a typed error', () => {
    fc.assert(
      fc.property(randomBytes, cuts, fc.boolean(), cap, (bytes, at, afterConnack, limit) => {
        const stream = afterConnack ? concat([CONNACK, bytes]) : bytes;
        const { passed, failure } = feed(split(stream, at), limit);
        if (failure) expect(failure).toBeInstanceOf(UnifiedMqError);
        else expect(passed).toEqual(stream);
      }),
      { numRuns: RUNS },
    );
  });

  it('delivers every whole packet ahead of an offending one, and nothing of it past its fixed header', () => {
    fc.assert(
      fc.property(cap.chain((limit) => fc.tuple(fc.constant(limit), packets(limit), offender(limit), cuts)), ([limit, good, bad, at]) => {
        const sound = concat([CONNACK, ...good]);
        const { passed, failure } = feed(split(concat([sound, bad.bytes]), at), limit);
        expect(failure).toBeInstanceOf(bad.kind === 'too-large' ? PayloadTooLargeError : ConnectionError);
        expect(startsWith(passed, sound)).toBe(true);
        const ofOffender = passed.subarray(sound.length);
        // At most the type byte and the length bytes (≤ 5) reach mqtt.js: nothing is buffered past the cap.
        expect(ofOffender.length).toBeLessThan(5);
        expect(startsWith(bad.bytes, ofOffender)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('passes truncated streams of sound packets whole, without failing', () => {
    fc.assert(
      fc.property(cap.chain((limit) => fc.tuple(fc.constant(limit), packets(limit), fc.nat(), cuts)), ([limit, good, keep, at]) => {
        const whole = concat([CONNACK, ...good]);
        const truncated = whole.subarray(0, keep % (whole.length + 1));
        const { passed, failure } = feed(split(truncated, at), limit);
        expect(failure).toBeUndefined();
        expect(passed).toEqual(truncated);
      }),
      { numRuns: RUNS },
    );
  });

  it('accepts a packet of exactly the cap and refuses one byte more', () => {
    fc.assert(
      fc.property(fc.integer({ min: 8, max: 300_000 }), cuts, (limit, at) => {
        // The largest body whose whole packet (type, length bytes, body) fits the cap.
        let body = limit - 2;
        while (1 + remainingLength(body).length + body > limit) body--;
        const fits = 1 + remainingLength(body).length + body === limit;
        const header = (n: number) => concat([Uint8Array.of(0x30), remainingLength(n)]);
        const atCap = feed(split(concat([CONNACK, header(body)]), at), limit);
        expect(atCap.failure).toBeUndefined();
        const over = feed(split(concat([CONNACK, header(fits ? body + 1 : body + 2)]), at), limit);
        expect(over.failure).toBeInstanceOf(PayloadTooLargeError);
      }),
      { numRuns: RUNS },
    );
  });
});
