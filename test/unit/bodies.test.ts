/**
 * Portable bodies: msg.text() and msg.json() whatever the content type, the subscription's contentType
 * for messages that carry none, a typed body from the transport (AMQP amqp-value), and DecodeError for
 * bad JSON, never a bare SyntaxError.
 */
import { describe, expect, it } from 'vitest';
import { defaultCodec, DecodeError, UnifiedMqError } from '../../src/index.js';
import { ReceivedMessage, type ConnectionEpoch } from '../../src/core/message.js';
import type { Delivery, TransportConnection } from '../../src/core/transport.js';

const epoch: ConnectionEpoch = { connection: {} as TransportConnection, alive: false };
const utf8 = (text: string) => new TextEncoder().encode(text);

function delivery(bytes: Uint8Array, contentType?: string, extra: Partial<Delivery> = {}): Delivery {
  return {
    destination: 'd', bytes, headers: {}, messageId: undefined, correlationId: undefined, replyTo: undefined,
    contentType, priority: undefined, expiresAt: undefined, redelivered: false, possibleDuplicate: false, tag: undefined,
    ...extra,
  };
}

function message(d: Delivery, subscriptionContentType?: string) {
  return new ReceivedMessage(d, epoch, { codec: defaultCodec, contentType: subscriptionContentType });
}

describe('portable bodies', () => {
  it('reads text and JSON from the bytes whatever the content type says', () => {
    for (const contentType of [undefined, 'text/plain', 'application/octet-stream', 'application/json']) {
      const m = message(delivery(utf8('{"n":1,"s":"é"}'), contentType));
      expect(m.text()).toBe('{"n":1,"s":"é"}');
      expect(m.json<{ n: number }>()).toEqual({ n: 1, s: 'é' });
    }
  });

  it('decodes body by the content type on the wire, else the subscription contentType, else leaves bytes', () => {
    expect(message(delivery(utf8('{"n":1}'))).body).toEqual(utf8('{"n":1}'));
    expect(message(delivery(utf8('{"n":1}')), 'application/json').body).toEqual({ n: 1 });
    expect(message(delivery(utf8('{"n":1}'), 'text/plain'), 'application/json').body).toBe('{"n":1}');
    expect(message(delivery(utf8('{"n":1}'), 'application/vnd.x+json')).body).toEqual({ n: 1 });
  });

  it('uses a body the transport typed (an AMQP amqp-value) as it is', () => {
    const m = message(delivery(utf8('{"a":[1,2]}'), 'application/json', { body: { a: [1, 2] } }), 'text/plain');
    expect(m.body).toEqual({ a: [1, 2] });
    expect(message(delivery(utf8('hi'), undefined, { body: 'hi' })).body).toBe('hi');
    expect(message(delivery(new Uint8Array(0), undefined, { body: null })).body).toBeNull();
  });

  it('throws DecodeError for bad JSON from json() and from a JSON body, saying so and keeping the cause', () => {
    for (const read of [(m: ReceivedMessage) => m.json(), (m: ReceivedMessage) => m.body]) {
      const m = message(delivery(new Uint8Array([0x7b, 0xff, 0x00]), 'application/json'));
      let error: unknown;
      try {
        read(m);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DecodeError);
      expect(error).toBeInstanceOf(UnifiedMqError);
      expect((error as DecodeError).code).toBe('DECODE');
      expect((error as Error).message).toMatch(/not JSON.*3 bytes.*application\/json.*msg\.text\(\)/);
      expect((error as Error).cause).toBeInstanceOf(SyntaxError);
    }
  });
});
