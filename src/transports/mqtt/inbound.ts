/**
 * A received PUBLISH → the plain Delivery the core wraps. The inverse of ./outbound.ts: MQTT 5
 * properties, or the 3.1.1 envelope when it is on; the possible-duplicate flag leaves the headers and
 * becomes `possibleDuplicate`; the DUP flag (§3.3.1.1, set on a redelivery after the session resumed)
 * becomes `redelivered`.
 */
import type { IPublishPacket } from 'mqtt';
import { POSSIBLE_DUPLICATE_HEADER, type Delivery } from '../../core/transport.js';
import type { Headers } from '../../core/types.js';
import { isEnveloped, unwrap } from './envelope.js';
import { MESSAGE_ID_PROPERTY, type PropertyMode } from './outbound.js';
import { fromTopic } from './topics.js';
import { setHeader } from '../../core/headers.js';

const decoder = new TextDecoder();

/** `destination` is the unified name (queue prefix removed); `tag` is the transport's ack handle. */
export function toDelivery(packet: IPublishPacket, destination: string, mode: PropertyMode, tag: unknown): Delivery {
  const raw = packet.payload as Uint8Array;
  // mqtt.js hands out Buffers; the core sees plain Uint8Array views of the same memory.
  let bytes = new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
  let headers: Headers | undefined;
  let messageId: string | undefined;
  let correlationId: string | undefined;
  let replyTo: string | undefined;
  let contentType: string | undefined;
  let expiresAt: number | undefined;
  let possibleDuplicate = false;
  if (mode === 'v5') {
    const properties = packet.properties;
    if (properties) {
      const user = properties.userProperties;
      if (user) {
        headers = {};
        for (const key in user) {
          const value = user[key];
          // §3.3.2.3.7: a name may repeat; mqtt.js then gives an array. The last value wins.
          const text = (Array.isArray(value) ? value[value.length - 1] : value) ?? '';
          if (key === POSSIBLE_DUPLICATE_HEADER) possibleDuplicate = text === 'true';
          else if (key === MESSAGE_ID_PROPERTY) messageId = text;
          else setHeader(headers, key, text);
        }
      }
      if (properties.correlationData !== undefined) correlationId = decoder.decode(properties.correlationData);
      if (properties.responseTopic !== undefined) replyTo = fromTopic(properties.responseTopic);
      contentType = properties.contentType;
      // §3.3.2.3.3: the broker sends what is left of the expiry interval.
      if (properties.messageExpiryInterval !== undefined) expiresAt = Date.now() + properties.messageExpiryInterval * 1000;
    }
  } else if (mode === 'envelope' && isEnveloped(bytes)) {
    const opened = unwrap(bytes);
    if (opened) {
      const fields = opened.fields;
      bytes = opened.body;
      headers = fields.headers;
      messageId = fields.messageId;
      correlationId = fields.correlationId;
      replyTo = fields.replyTo;
      contentType = fields.contentType;
      possibleDuplicate = fields.possibleDuplicate;
    }
  }
  return {
    destination,
    bytes,
    headers: headers ?? {},
    messageId,
    correlationId,
    replyTo,
    contentType,
    priority: undefined,
    expiresAt,
    redelivered: packet.dup,
    possibleDuplicate,
    tag,
  };
}
