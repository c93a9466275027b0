/**
 * A received AMQP 1.0 message → the plain Delivery the core wraps. RabbitMQ hands over a data section
 * for other protocols' messages, but AMQP producers (qpid-proton, JMS) send strings, maps and lists as
 * amqp-value, and may send amqp-sequence (§3.2.7, §3.2.8). Those keep their type as `body`, and
 * `bytes` is always there: data sections and binary values as they are, a string as UTF-8, anything
 * else as JSON.
 */
import type { Delivery as RheaDelivery, Message as RheaMessage } from 'rhea-promise';
import { POSSIBLE_DUPLICATE_HEADER, type Delivery } from '../../core/transport.js';
import type { Headers } from '../../core/types.js';
import { JSON_CONTENT_TYPE, TEXT_CONTENT_TYPE } from '../../core/codec.js';
import { destinationOf } from './dialect.js';
import { setHeader } from '../../core/headers.js';

const utf8 = new TextEncoder();
const NO_HEADERS: Headers = Object.freeze({}) as Headers;

export function toDelivery(message: RheaMessage, delivery: RheaDelivery, subscribed: string): Delivery {
  let headers = NO_HEADERS;
  let possibleDuplicate = false;
  const properties = message.application_properties as Record<string, unknown> | undefined;
  if (properties) {
    headers = {};
    for (const key in properties) {
      const value = properties[key];
      if (key === POSSIBLE_DUPLICATE_HEADER) possibleDuplicate = String(value) === 'true';
      else if (value !== undefined && value !== null) setHeader(headers, key, String(value));
    }
  }
  const ttl = message.ttl;
  const expiry = message.absolute_expiry_time as unknown;
  const typed = typedBody(message.body);
  return {
    destination: destinationOf(message.to, message.subject, message.message_annotations?.['x-routing-key'], subscribed),
    bytes: bodyBytes(message.body),
    ...(typed !== NOT_TYPED && { body: typed }),
    headers,
    messageId: message.message_id === undefined || message.message_id === null ? undefined : String(message.message_id),
    correlationId: message.correlation_id === undefined || message.correlation_id === null ? undefined : String(message.correlation_id),
    replyTo: message.reply_to ?? undefined,
    contentType: message.content_type ?? (typed === NOT_TYPED || typed === null ? undefined : typeof typed === 'string' ? TEXT_CONTENT_TYPE : JSON_CONTENT_TYPE),
    priority: message.priority ?? undefined,
    expiresAt: expiry ? Number(expiry) : ttl ? Date.now() + ttl : undefined,
    // §3.2.1: delivery-count counts earlier failed attempts; first-acquirer is false when another
    // acquirer may have had the message. RabbitMQ 3.10 marks a requeued message first-acquirer false.
    redelivered: (message.delivery_count ?? 0) > 0 || message.first_acquirer === false,
    possibleDuplicate,
    tag: delivery,
  };
}

function view(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function concat(parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.byteLength;
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

const NOT_TYPED: unique symbol = Symbol('bytes');

function isSection(body: unknown): body is { typecode: number; content: unknown; multiple?: boolean } {
  return typeof body === 'object' && body !== null && 'typecode' in body && 'content' in body;
}

/**
 * The body with its AMQP type, or NOT_TYPED for bytes (data sections, a binary amqp-value), which the
 * core decodes by content type. amqp-value is one value of any type (§3.2.8): a string, a map (an
 * object), a list (an array), a number, a boolean, null. Several amqp-sequence sections make one list
 * (§3.2.7).
 */
export function typedBody(body: unknown): unknown {
  if (body instanceof Uint8Array) return NOT_TYPED;
  if (body === undefined) return NOT_TYPED;
  if (isSection(body)) {
    if (body.typecode === 0x76) return body.multiple ? (body.content as unknown[][]).flat() : body.content;
    return NOT_TYPED;
  }
  return body;
}

/** rhea decodes a data section as `{ typecode: 0x75, content }`, several as `multiple` with an array. */
export function bodyBytes(body: unknown): Uint8Array {
  if (body instanceof Uint8Array) return view(body);
  if (body === undefined || body === null) return new Uint8Array(0);
  if (typeof body === 'string') return utf8.encode(body);
  if (typeof body === 'object' && 'typecode' in body && 'content' in body) {
    const { typecode, content } = body as { typecode: number; content: unknown };
    if (typecode === 0x75) {
      if (content instanceof Uint8Array) return view(content);
      if (Array.isArray(content)) return concat(content.filter((c): c is Uint8Array => c instanceof Uint8Array));
    }
    return bodyBytes(typedBody(body));
  }
  return utf8.encode(JSON.stringify(body, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value)));
}
