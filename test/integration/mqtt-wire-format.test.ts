/**
 * The MQTT transport's own byte formats, without a broker: the fixed-header scanner that guards every
 * inbound byte (packets split at every possible chunk boundary, the size cap to the byte, malformed
 * lengths, peers that are not MQTT) and the MQTT 3.1.1 envelope (round trip, malformed input, limits).
 */
import { describe, expect, it } from 'vitest';
import { ConnectionError, InvalidArgumentError, PayloadTooLargeError } from '../../src/core/errors.js';
import { isEnveloped, unwrap, wrap, type EnvelopeFields } from '../../src/transports/mqtt/envelope.js';
import { PacketScanner } from '../../src/transports/mqtt/packet-scanner.js';
import { concat } from '../support/bytes.js';

/** A packet of `type` with `bodyBytes` bytes of body, its remaining length encoded as §2.2.3 says. */
function packet(type: number, bodyBytes: number): Uint8Array {
  const length: number[] = [];
  let x = bodyBytes;
  do {
    let byte = x % 128;
    x = Math.floor(x / 128);
    if (x > 0) byte |= 0x80;
    length.push(byte);
  } while (x > 0);
  const out = new Uint8Array(1 + length.length + bodyBytes);
  out[0] = type;
  out.set(length, 1);
  return out;
}


describe('PacketScanner', () => {
  const stream = concat([packet(0x20, 2), packet(0x30, 0), packet(0x32, 127), packet(0x30, 128), packet(0x30, 16_383), packet(0x30, 16_384), packet(0xd0, 0)]);

  it('follows packets split at every chunk boundary', () => {
    for (let cut = 1; cut < stream.length; cut++) {
      const scanner = new PacketScanner(1024 * 1024, 'mqtt://test');
      expect(scanner.scan(stream.subarray(0, cut))).toBeUndefined();
      expect(scanner.scan(stream.subarray(cut))).toBeUndefined();
    }
  });

  it('follows packets fed one byte at a time', () => {
    const scanner = new PacketScanner(1024 * 1024, 'mqtt://test');
    for (let i = 0; i < stream.length; i++) expect(scanner.scan(stream.subarray(i, i + 1))).toBeUndefined();
  });

  it('takes a packet of exactly the cap and refuses one byte more, on its fixed header alone', () => {
    const cap = 1 + 3 + 16_384; // type byte, three length bytes (16 384 needs three), body
    const fits = new PacketScanner(cap, 'mqtt://test');
    expect(fits.scan(concat([packet(0x20, 2), packet(0x30, 16_384)]))).toBeUndefined();
    const over = new PacketScanner(cap, 'mqtt://test');
    const error = over.scan(concat([packet(0x20, 2), packet(0x30, 16_385).subarray(0, 4)]));
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect(error!.message).toBe('An MQTT packet from mqtt://test (limit: mqtt({ maxFrameBytes })) is 16389 bytes, over the limit of 16388 bytes');
  });

  it('says which leading bytes of a chunk hold whole packets before an oversized one', () => {
    const scanner = new PacketScanner(1024, 'mqtt://test');
    const sound = concat([packet(0x20, 2), packet(0x30, 500)]);
    expect(scanner.scan(concat([sound, packet(0x30, 2000).subarray(0, 10)]))).toBeInstanceOf(PayloadTooLargeError);
    expect(scanner.safeLength).toBe(sound.length);
    // A packet that began in an earlier chunk: nothing in this chunk is sound.
    const split = new PacketScanner(1024, 'mqtt://test');
    const big = concat([packet(0x20, 2), packet(0x30, 20_000).subarray(0, 5)]);
    expect(split.scan(big.subarray(0, 5))).toBeUndefined();
    expect(split.scan(big.subarray(5))).toBeInstanceOf(PayloadTooLargeError);
    expect(split.safeLength).toBe(0);
  });

  it('refuses a remaining length of more than four bytes', () => {
    const scanner = new PacketScanner(1024, 'mqtt://test');
    const error = scanner.scan(concat([packet(0x20, 2), Uint8Array.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01])]));
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error!.message).toBe('mqtt://test sent a malformed MQTT packet (a remaining length of more than 4 bytes)');
  });

  it('names peers whose first byte is not a CONNACK', () => {
    const cases: Array<[number, RegExp]> = [
      [0x15, /answered with a TLS record: this is a TLS port, use mqtts:\/\//],
      [0x16, /answered with a TLS record/],
      [0x48, /answered with HTTP/],
      [0x41, /answered with byte 0x41 instead of a CONNACK/],
    ];
    for (const [byte, message] of cases) {
      const error = new PacketScanner(1024, 'mqtt://test').scan(Uint8Array.of(byte, 0, 0));
      expect(error).toBeInstanceOf(ConnectionError);
      expect(error!.message).toMatch(message);
    }
  });
});

describe('MQTT 3.1.1 envelope', () => {
  const fields: EnvelopeFields = {
    headers: { tenant: 'a', 'ü-name': 'wert ✓', empty: '' },
    messageId: 'id-1',
    contentType: 'application/json',
    correlationId: 'corr',
    replyTo: 'reply.to',
    possibleDuplicate: true,
  };

  it('round-trips every field and the body, with the body as a view', () => {
    const body = new TextEncoder().encode('{"a":1}');
    const wrapped = wrap(body, fields);
    expect(isEnveloped(wrapped)).toBe(true);
    const opened = unwrap(wrapped)!;
    expect(opened.fields).toEqual(fields);
    expect(opened.body).toEqual(body);
    expect(opened.body.buffer).toBe(wrapped.buffer);
  });

  it('round-trips a message without properties and an empty body', () => {
    const none: EnvelopeFields = { headers: undefined, messageId: undefined, contentType: undefined, correlationId: undefined, replyTo: undefined, possibleDuplicate: false };
    const wrapped = wrap(new Uint8Array(0), none);
    expect(wrapped.length).toBe(9);
    expect(unwrap(wrapped)).toEqual({ body: new Uint8Array(0), fields: none });
  });

  it('tells plain payloads and malformed envelopes apart', () => {
    expect(isEnveloped(new TextEncoder().encode('{"plain":true}'))).toBe(false);
    expect(isEnveloped(Uint8Array.of(0, 0x75, 0x6d, 0x71, 2, 0, 0, 0, 0))).toBe(false); // another version
    const wrapped = wrap(Uint8Array.of(1, 2, 3), fields);
    expect(unwrap(wrapped.subarray(0, 20))).toBeUndefined(); // truncated property block
  });

  it('refuses a field longer than 65535 bytes of UTF-8', () => {
    expect(() => wrap(new Uint8Array(0), { ...fields, headers: { big: 'x'.repeat(65_536) } })).toThrow(InvalidArgumentError);
  });
});
