/**
 * OutgoingMessage → an AMQP 1.0 message (§3.2): header (durable, priority, ttl), properties (message-id,
 * correlation-id, reply-to, content-type, to), application-properties (the headers) and the body: by
 * default one data section (§3.2.6), so every byte arrives as sent on every protocol; with
 * `bodySection: 'value'`, text and JSON as an amqp-value (§3.2.8), as other AMQP clients send them.
 */
import { message as rheaMessage, type Message as RheaMessage } from 'rhea-promise';
import { fromUtf8, JSON_CONTENT_TYPE } from '../../core/codec.js';
import { POSSIBLE_DUPLICATE_HEADER, type OutgoingMessage } from '../../core/transport.js';
import type { BodySection } from './options.js';

export function toAmqpMessage(message: OutgoingMessage, address: string, bodySection: BodySection = 'data'): RheaMessage {
  // Only the fields that are set: rhea's encoder visits every key of the object once per section (header,
  // properties), and an unset field it visits still costs it a null value (4.1 µs to encode 256 B with
  // them, 3.7 µs without).
  const amqpMessage: RheaMessage = {
    body: bodySection === 'value' ? valueBody(message) : dataBody(message.bytes),
    to: address,
    message_id: message.messageId,
    // Queues keep messages for absent consumers: persistent unless the caller says otherwise.
    durable: message.persistent ?? message.kind === 'queue',
  };
  if (message.correlationId !== undefined) amqpMessage.correlation_id = message.correlationId;
  if (message.replyTo !== undefined) amqpMessage.reply_to = message.replyTo;
  if (message.contentType !== undefined) amqpMessage.content_type = message.contentType;
  if (message.possibleDuplicate) amqpMessage.application_properties = { ...message.headers, [POSSIBLE_DUPLICATE_HEADER]: 'true' };
  else if (message.headers !== undefined) amqpMessage.application_properties = message.headers;
  if (message.priority !== undefined) amqpMessage.priority = message.priority;
  if (message.ttlMs !== undefined) amqpMessage.ttl = message.ttlMs;
  return amqpMessage;
}

function dataBody(bytes: Uint8Array): unknown {
  // rhea encodes a Uint8Array data section as it does a Buffer: no copy is needed here.
  return rheaMessage.data_section(bytes as Buffer);
}

/**
 * Text as an amqp-value string, JSON as the value it holds (a map or scalar; an array as an amqp-sequence,
 * see below); anything else as data.
 */
function valueBody(message: OutgoingMessage): unknown {
  const base = message.contentType?.split(';', 1)[0]!.trim().toLowerCase();
  if (base === undefined) return dataBody(message.bytes);
  if (base.startsWith('text/')) return fromUtf8(message.bytes);
  if (base === JSON_CONTENT_TYPE || base.endsWith('+json')) {
    try {
      const value = JSON.parse(fromUtf8(message.bytes)) as unknown;
      // RabbitMQ 3.10's AMQP 1.0 plugin closes the connection on an amqp-value list of two or more elements
      // (its session crashes; measured with qpid-proton too), but takes the same list as an amqp-sequence
      // (§3.2.7), which other clients read as a list as well.
      return Array.isArray(value) ? rheaMessage.sequence_section(value) : value;
    } catch {
      return dataBody(message.bytes); // labelled JSON but not JSON: the bytes as they are
    }
  }
  return dataBody(message.bytes);
}
