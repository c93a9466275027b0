/**
 * Application headers on STOMP frames: which names belong to the protocol or the broker, how the
 * application's names and values are escaped for the negotiated version, and which headers of a
 * received MESSAGE are the application's.
 */
import { InvalidArgumentError, UnsupportedError } from '../../core/errors.js';
import { POSSIBLE_DUPLICATE_HEADER } from '../../core/transport.js';
import type { Headers } from '../../core/types.js';
import type { HeaderLimits } from './dialect.js';
import type { FrameHeaders } from './frame-scanner.js';

/** Carries the unified message id: STOMP's `message-id` is assigned by the broker. */
export const MESSAGE_ID_HEADER = 'umq-message-id';

/**
 * Names the protocol or a broker gives a meaning to on SEND, or sets on MESSAGE. An application header
 * with one of them would change the frame (a second `destination`), be overwritten by the broker
 * (`timestamp`, `message-id`), or vanish on receipt: it is refused rather than dropped silently. The
 * options (contentType, correlationId, replyTo, persistent, priority, ttlMs, messageId) set them instead.
 */
const RESERVED = new Set([
  // STOMP 1.2 frame headers
  'destination', 'receipt', 'content-length', 'content-type', 'transaction', 'ack', 'subscription',
  'message-id', 'receipt-id', 'selector',
  // broker headers: persistence, priority, expiry, JMS and AMQP properties (RabbitMQ refuses a `user-id`
  // other than the login, and closes the connection)
  'persistent', 'priority', 'expires', 'expiration', 'correlation-id', 'reply-to', 'redelivered', 'timestamp',
  'amqp-message-id', 'user-id', 'transformation',
  // ours
  MESSAGE_ID_HEADER, POSSIBLE_DUPLICATE_HEADER,
]);

/** Headers of a MESSAGE that are not the application's (RabbitMQ also echoes the SEND's `receipt`). */
const RECEIVED_PROTOCOL_HEADERS = RESERVED;

const NEEDS_ESCAPE = /[\\\n\r:]/;

/** STOMP 1.2 §Value Encoding (1.1 has the same escapes but `\r`; callers refuse a CR there first). */
function escape(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/:/g, '\\c');
}

/**
 * A header name or value as it must go into a stompjs frame. stompjs escapes values on STOMP 1.2 but
 * never names, and escapes nothing on 1.1, so this fills the gaps.
 */
export function encodeName(name: string, version: string): string {
  if (!NEEDS_ESCAPE.test(name)) return name;
  if (version !== '1.2' && name.includes('\r')) throw crIn('name', name);
  return escape(name);
}

export function encodeValue(value: string, version: string): string {
  if (version === '1.2' || !NEEDS_ESCAPE.test(value)) return value;
  if (value.includes('\r')) throw crIn('value', value);
  return escape(value);
}

function crIn(what: string, text: string): UnsupportedError {
  return new UnsupportedError(
    `The broker negotiated STOMP 1.1, which cannot carry a carriage return in a header ${what} (${JSON.stringify(text.slice(0, 40))}); remove it, or use a broker speaking STOMP 1.2`,
  );
}

/**
 * Copies the application's headers into a SEND frame's headers (names escaped; values as given, for
 * stompjs or the caller to escape). Throws on a reserved or empty name, and on
 * a header line longer than the broker reads (`maxLineBytes`): the broker would close the connection
 * without saying which message it refused, and the re-send after the failover would fail the same way.
 */
export function addApplicationHeaders(target: Record<string, string>, headers: Headers, version: string, limits: HeaderLimits): void {
  const maxLineBytes = limits.maxLineBytes;
  let count = 0;
  for (const name in headers) {
    // A SEND carries up to a dozen headers of its own.
    if (++count > limits.maxHeaders - 16) throw InvalidArgumentError.format('headers', `has more headers than this broker reads in a frame (${limits.maxHeaders})`);
    if (RESERVED.has(name)) {
      throw InvalidArgumentError.format(
        `headers.${name}`,
        `is a STOMP or broker header name; use the publish options (contentType, correlationId, replyTo, persistent, priority, ttlMs, messageId) or another name`,
      );
    }
    if (name === '') throw InvalidArgumentError.format('headers', 'must not contain an empty header name');
    const key = encodeName(name, version);
    const value = headers[name]!;
    // Characters take at most 3 UTF-8 bytes, escaped ones 2, so short lines need no counting.
    if ((key.length + value.length) * 3 + 1 > maxLineBytes && lineBytes(key, value) > maxLineBytes) {
      throw InvalidArgumentError.format(`headers.${name}`, `is longer than the ${maxLineBytes} bytes a header line may have on this broker`);
    }
    target[key] = value;
  }
}

const encoder = new TextEncoder();

function lineBytes(key: string, value: string): number {
  return encoder.encode(key).length + 1 + encoder.encode(NEEDS_ESCAPE.test(value) ? escape(value) : value).length;
}

/** The application's headers of a received MESSAGE (decoded by the frame scanner). */
export function applicationHeaders(frame: FrameHeaders): Headers {
  const headers: Headers = {};
  for (const name in frame) {
    if (RECEIVED_PROTOCOL_HEADERS.has(name)) continue;
    if (name === '__proto__') Object.defineProperty(headers, name, { value: frame[name], enumerable: true, writable: true, configurable: true });
    else headers[name] = frame[name]!;
  }
  return headers;
}
