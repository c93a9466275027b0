/**
 * Fuzzing the default codec (src/core/codec.ts) and the MQTT 3.1.1 envelope (src/transports/mqtt/envelope.ts):
 * what is encoded decodes to the same value, and any payload a peer sends unwraps or is left alone, never throws.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultCodec, JSON_CONTENT_TYPE } from '../../src/core/codec.js';
import { InvalidArgumentError } from '../../src/core/errors.js';
import { isEnveloped, unwrap, wrap, type EnvelopeFields } from '../../src/transports/mqtt/envelope.js';
import { concat, RUNS } from './streams.js';

const text = fc.string({ unit: 'grapheme', maxLength: 30 });

describe('fuzz: codec', () => {
  it('decodes what it encoded: bytes as they are, strings as UTF-8, anything else as JSON', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), text, fc.jsonValue().filter((v) => typeof v !== 'string')), (body) => {
        const { bytes, contentType } = defaultCodec.encode(body, undefined);
        const back = defaultCodec.decode(bytes, contentType);
        // JSON has no -0: it comes back as 0.
        expect(back).toEqual(body instanceof Uint8Array || typeof body === 'string' ? body : JSON.parse(JSON.stringify(body)));
      }),
      { numRuns: RUNS },
    );
  });

  it('never throws decoding any bytes as text or binary, and keeps bytes as they are', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), fc.constantFrom(undefined, 'text/plain', 'application/octet-stream', 'x/y; charset=utf-8'), (bytes, contentType) => {
        const body = defaultCodec.decode(bytes, contentType);
        if (contentType?.startsWith('text/')) expect(body).toBeTypeOf('string');
        else expect(body).toBe(bytes);
      }),
      { numRuns: RUNS },
    );
  });

  it('reads every JSON content type spelling as JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(JSON_CONTENT_TYPE, 'application/json; charset=utf-8', 'APPLICATION/JSON', 'application/vnd.x+json'), (value, contentType) => {
        expect(defaultCodec.decode(new TextEncoder().encode(JSON.stringify(value)), contentType)).toEqual(JSON.parse(JSON.stringify(value)));
      }),
      { numRuns: RUNS },
    );
  });
});

const fields: fc.Arbitrary<EnvelopeFields> = fc.record({
  headers: fc.option(fc.dictionary(text, text, { maxKeys: 5 }), { nil: undefined }),
  messageId: fc.option(text, { nil: undefined }),
  contentType: fc.option(text, { nil: undefined }),
  correlationId: fc.option(text, { nil: undefined }),
  replyTo: fc.option(text, { nil: undefined }),
  possibleDuplicate: fc.boolean(),
});

describe('fuzz: MQTT envelope', () => {
  it('unwraps what it wrapped: body and every field', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 128 }), fields, (body, given) => {
        const payload = wrap(body, given);
        expect(isEnveloped(payload)).toBe(true);
        const back = unwrap(payload);
        const expected = { ...given, headers: given.headers && Object.keys(given.headers).length > 0 ? given.headers : undefined };
        expect(back?.fields).toEqual(expected);
        expect(back?.body).toEqual(body);
      }),
      { numRuns: RUNS },
    );
  });

  it('keeps headers named like Object.prototype members (__proto__, constructor) as headers', () => {
    // fast-check found this one: `headers['__proto__'] = v` sets a prototype instead of adding a header.
    const headers = JSON.parse('{"__proto__":"a","constructor":"b","toString":"c"}') as Record<string, string>;
    const back = unwrap(wrap(new Uint8Array([1]), { headers, messageId: undefined, contentType: undefined, correlationId: undefined, replyTo: undefined, possibleDuplicate: false }));
    expect(Object.entries(back!.fields.headers!)).toEqual([['__proto__', 'a'], ['constructor', 'b'], ['toString', 'c']]);
    expect(Object.getPrototypeOf(back!.fields.headers)).toBe(Object.prototype);
  });

  it('never throws on a payload a peer sends: it unwraps, is malformed (undefined) or is plain', () => {
    const MAGIC = Uint8Array.of(0x00, 0x75, 0x6d, 0x71, 1);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), fc.boolean(), (bytes, withMagic) => {
        const payload = withMagic ? concat([MAGIC, bytes]) : bytes;
        if (!isEnveloped(payload)) return;
        const result = unwrap(payload);
        if (result) expect(result.body.byteLength).toBeLessThanOrEqual(payload.byteLength);
      }),
      { numRuns: RUNS },
    );
  });

  it('refuses a field longer than 65535 bytes of UTF-8 with InvalidArgumentError', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0x10000, max: 0x12000 }), fc.constantFrom('messageId', 'contentType', 'correlationId', 'replyTo') , (length, field) => {
        const given: EnvelopeFields = { headers: undefined, messageId: undefined, contentType: undefined, correlationId: undefined, replyTo: undefined, possibleDuplicate: false };
        expect(() => wrap(new Uint8Array(1), { ...given, [field]: 'x'.repeat(length) })).toThrow(InvalidArgumentError);
      }),
      { numRuns: 20 },
    );
  });
});
