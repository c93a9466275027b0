/**
 * OutgoingMessage → what mqtt.js publishes: the topic, the payload and the PUBLISH options.
 *
 * - MQTT 5: headers are user properties (§3.3.2.3.7); content type, correlation data, response topic
 *   and message expiry are their own properties (§3.3.2.3); the message id and the possible-duplicate
 *   flag travel as user properties.
 * - MQTT 3.1.1 has no properties. With the envelope (./envelope.ts) they travel in the payload; without
 *   it, a message that carries headers, a correlation id or a reply-to is refused with UnsupportedError
 *   rather than sent without them. The content type (which the core sets for strings and JSON) and the
 *   message id are the only fields that 3.1.1 drops.
 * - QoS 1 when confirmed (resolved on PUBACK, §4.3.2), QoS 0 otherwise (§4.3.1). `persistent` has no
 *   MQTT field: brokers decide by QoS and session (see docs/protocols.md).
 */
import type { IClientPublishOptions } from 'mqtt';
import { InvalidArgumentError, UnsupportedError } from '../../core/errors.js';
import { POSSIBLE_DUPLICATE_HEADER, type OutgoingMessage } from '../../core/transport.js';
import { wrap } from './envelope.js';
import { queueTopic, toTopic } from './topics.js';

/** The user property that carries the message id on MQTT 5. */
export const MESSAGE_ID_PROPERTY = 'umq-message-id';

/** How message properties travel: MQTT 5 properties, the 3.1.1 envelope, or not at all (plain 3.1.1). */
export type PropertyMode = 'v5' | 'envelope' | 'none';

export interface Publish {
  topic: string;
  payload: Uint8Array;
  options: IClientPublishOptions;
}

const NO_PROPERTIES_HINT = 'use MQTT 5 (mqtt({ protocolVersion: 5 })) where the broker has it, mqtt({ envelope: true }), or the STOMP or AMQP transport';

export function toPublish(message: OutgoingMessage, confirm: boolean, mode: PropertyMode, queuePrefix: string): Publish {
  const topic = message.kind === 'queue' ? queueTopic(queuePrefix, message.destination) : toTopic(message.destination);
  const options: IClientPublishOptions = { qos: confirm ? 1 : 0 };
  if (mode === 'v5') {
    const userProperties: Record<string, string> = { [MESSAGE_ID_PROPERTY]: message.messageId };
    const headers = message.headers;
    if (headers !== undefined) {
      for (const name in headers) {
        if (name === MESSAGE_ID_PROPERTY || name === POSSIBLE_DUPLICATE_HEADER) reserved(name);
        userProperties[name] = headers[name]!;
      }
    }
    if (message.possibleDuplicate) userProperties[POSSIBLE_DUPLICATE_HEADER] = 'true';
    options.properties = {
      userProperties,
      contentType: message.contentType,
      // mqtt-packet writes a string as UTF-8 with a length prefix: the wire form of binary data (§1.5.6).
      correlationData: message.correlationId as unknown as Buffer | undefined,
      responseTopic: message.replyTo === undefined ? undefined : toTopic(message.replyTo),
      // §3.3.2.3.3: whole seconds; a TTL under one second still expires, after one.
      messageExpiryInterval: message.ttlMs === undefined ? undefined : Math.max(1, Math.ceil(message.ttlMs / 1000)),
    };
    return { topic, payload: message.bytes, options };
  }
  if (mode === 'envelope') {
    const headers = message.headers;
    if (headers !== undefined && POSSIBLE_DUPLICATE_HEADER in headers) reserved(POSSIBLE_DUPLICATE_HEADER);
    const payload = wrap(message.bytes, {
      headers,
      messageId: message.messageId,
      contentType: message.contentType,
      correlationId: message.correlationId,
      replyTo: message.replyTo,
      possibleDuplicate: message.possibleDuplicate,
    });
    return { topic, payload, options };
  }
  if (message.headers !== undefined) throw new UnsupportedError(`MQTT 3.1.1 cannot carry headers; ${NO_PROPERTIES_HINT}`);
  if (message.correlationId !== undefined) throw new UnsupportedError(`MQTT 3.1.1 cannot carry a correlation id; ${NO_PROPERTIES_HINT}`);
  if (message.replyTo !== undefined) throw new UnsupportedError(`MQTT 3.1.1 cannot carry a reply-to; ${NO_PROPERTIES_HINT}`);
  return { topic, payload: message.bytes, options };
}

function reserved(name: string): never {
  throw InvalidArgumentError.format(`headers.${name}`, 'is reserved by unified-mq; choose another header name');
}

/** Bytes of a PUBLISH beyond the payload, bounded from above (for the size check before writing). */
export function publishOverheadBound(publish: Publish): number {
  // Fixed header (1 + up to 4), topic (2 + UTF-8), packet id (2), property length (up to 4).
  let bytes = 13 + publish.topic.length * 3;
  const properties = publish.options.properties;
  if (properties) {
    // Each property: an identifier byte, and for strings a 2-byte length; user properties have two strings.
    for (const name in properties.userProperties) bytes += 5 + (name.length + String(properties.userProperties[name]).length) * 3;
    if (properties.contentType !== undefined) bytes += 3 + properties.contentType.length * 3;
    if (properties.correlationData !== undefined) bytes += 3 + (properties.correlationData as unknown as string).length * 3;
    if (properties.responseTopic !== undefined) bytes += 3 + properties.responseTopic.length * 3;
    if (properties.messageExpiryInterval !== undefined) bytes += 5;
  }
  return bytes;
}
