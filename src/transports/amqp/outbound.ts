/**
 * OutgoingMessage → an AMQP 1.0 message (§3.2): header (durable, priority, ttl), properties (message-id,
 * correlation-id, reply-to, content-type, to), application-properties (the headers) and the body as
 * one data section (§3.2.6), so every byte arrives as sent on every protocol.
 */
import { message as rheaMessage, type Message as RheaMessage } from 'rhea-promise';
import { POSSIBLE_DUPLICATE_HEADER, type OutgoingMessage } from '../../core/transport.js';

export function toAmqpMessage(message: OutgoingMessage, address: string): RheaMessage {
  return {
    // rhea encodes a Uint8Array data section as it does a Buffer: no copy is needed here.
    body: rheaMessage.data_section(message.bytes as Buffer),
    to: address,
    message_id: message.messageId,
    correlation_id: message.correlationId,
    reply_to: message.replyTo,
    content_type: message.contentType,
    application_properties: message.possibleDuplicate
      ? { ...message.headers, [POSSIBLE_DUPLICATE_HEADER]: 'true' }
      : message.headers,
    // Queues keep messages for absent consumers: persistent unless the caller says otherwise.
    durable: message.persistent ?? message.kind === 'queue',
    priority: message.priority,
    ttl: message.ttlMs,
  };
}
