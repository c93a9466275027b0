/**
 * The unified-mq envelope: headers and message properties inside an MQTT 3.1.1 payload, which has no
 * other place for them (MQTT 5 has user properties, §3.3.2.3.7). Opt-in with mqtt({ envelope: true }).
 *
 *   offset 0   4 bytes   magic 0x00 0x75 0x6D 0x71 ("\0umq"; text and JSON payloads never start with NUL)
 *   offset 4   1 byte    version, 1
 *   offset 5   4 bytes   L, the length of the property block (unsigned, big-endian)
 *   offset 9   L bytes   entries: tag (1 byte), length (2 bytes, big-endian), that many bytes of UTF-8
 *                          1 message id, 2 content type, 3 correlation id, 4 reply-to (a unified name),
 *                          5 possible duplicate (length 0), 6 header name, 7 that header's value
 *   offset 9+L           the message body, as published
 *
 * Readers skip tags they do not know. A received payload that does not start with the magic and
 * version is a plain payload (from a producer without the envelope) and is delivered as it is.
 */
import { InvalidArgumentError } from '../../core/errors.js';
import type { Headers } from '../../core/types.js';
import { setHeader } from '../../core/headers.js';

const MAGIC = [0x00, 0x75, 0x6d, 0x71] as const;
const VERSION = 1;
const PREFIX_BYTES = 9;
const MAX_VALUE_BYTES = 0xffff;

const MESSAGE_ID = 1;
const CONTENT_TYPE = 2;
const CORRELATION_ID = 3;
const REPLY_TO = 4;
const POSSIBLE_DUPLICATE = 5;
const HEADER_NAME = 6;
const HEADER_VALUE = 7;

export interface EnvelopeFields {
  headers: Headers | undefined;
  messageId: string | undefined;
  contentType: string | undefined;
  correlationId: string | undefined;
  replyTo: string | undefined;
  possibleDuplicate: boolean;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Wraps `body` with `fields`: one allocation, sized by an upper bound and trimmed. */
export function wrap(body: Uint8Array, fields: EnvelopeFields): Uint8Array {
  let bound = PREFIX_BYTES + body.byteLength + (fields.possibleDuplicate ? 3 : 0);
  const strings: Array<[number, string]> = [];
  const add = (tag: number, value: string | undefined) => {
    if (value === undefined) return;
    strings.push([tag, value]);
    bound += 3 + value.length * 3; // a UTF-16 code unit takes at most 3 bytes of UTF-8
  };
  add(MESSAGE_ID, fields.messageId);
  add(CONTENT_TYPE, fields.contentType);
  add(CORRELATION_ID, fields.correlationId);
  add(REPLY_TO, fields.replyTo);
  if (fields.headers) {
    for (const name in fields.headers) {
      add(HEADER_NAME, name);
      add(HEADER_VALUE, fields.headers[name]);
    }
  }
  const out = new Uint8Array(bound);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  out[4] = VERSION;
  let at = PREFIX_BYTES;
  for (const [tag, value] of strings) {
    const { written } = encoder.encodeInto(value, out.subarray(at + 3));
    if (written > MAX_VALUE_BYTES) {
      throw new InvalidArgumentError(`An envelope field (tag ${tag}) is ${written} bytes of UTF-8; at most ${MAX_VALUE_BYTES} fit`);
    }
    out[at] = tag;
    view.setUint16(at + 1, written);
    at += 3 + written;
  }
  if (fields.possibleDuplicate) {
    out[at] = POSSIBLE_DUPLICATE;
    view.setUint16(at + 1, 0);
    at += 3;
  }
  view.setUint32(5, at - PREFIX_BYTES);
  out.set(body, at);
  return out.subarray(0, at + body.byteLength);
}

/** True when `payload` carries an envelope. */
export function isEnveloped(payload: Uint8Array): boolean {
  return (
    payload.byteLength >= PREFIX_BYTES &&
    payload[0] === MAGIC[0] && payload[1] === MAGIC[1] && payload[2] === MAGIC[2] && payload[3] === MAGIC[3] &&
    payload[4] === VERSION
  );
}

/** Unwraps an enveloped payload (check isEnveloped first); the body is a view, not a copy. Undefined when malformed. */
export function unwrap(payload: Uint8Array): { body: Uint8Array; fields: EnvelopeFields } | undefined {
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const end = PREFIX_BYTES + view.getUint32(5);
  if (end > payload.byteLength) return undefined;
  const fields: EnvelopeFields = {
    headers: undefined,
    messageId: undefined,
    contentType: undefined,
    correlationId: undefined,
    replyTo: undefined,
    possibleDuplicate: false,
  };
  let headerName: string | undefined;
  let at = PREFIX_BYTES;
  while (at < end) {
    if (at + 3 > end) return undefined;
    const tag = payload[at]!;
    const length = view.getUint16(at + 1);
    const start = at + 3;
    at = start + length;
    if (at > end) return undefined;
    if (tag === POSSIBLE_DUPLICATE) {
      fields.possibleDuplicate = true;
      continue;
    }
    if (tag < MESSAGE_ID || tag > HEADER_VALUE) continue;
    const value = decoder.decode(payload.subarray(start, at));
    switch (tag) {
      case MESSAGE_ID: fields.messageId = value; break;
      case CONTENT_TYPE: fields.contentType = value; break;
      case CORRELATION_ID: fields.correlationId = value; break;
      case REPLY_TO: fields.replyTo = value; break;
      case HEADER_NAME: headerName = value; break;
      case HEADER_VALUE:
        if (headerName !== undefined) setHeader((fields.headers ??= {}), headerName, value);
        headerName = undefined;
        break;
    }
  }
  return { body: payload.subarray(end), fields };
}
