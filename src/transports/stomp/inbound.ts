/**
 * Received messages: one subscription's state on a connection, the tag each delivery carries for its
 * ack or nack, and the translation of a MESSAGE frame into a Delivery.
 */
import { POSSIBLE_DUPLICATE_HEADER, type Delivery, type SubscriptionRequest } from '../../core/transport.js';
import { fromDestination } from './dialect.js';
import type { FrameHeaders } from './frame-scanner.js';
import { applicationHeaders, MESSAGE_ID_HEADER } from './headers.js';

export class InboundSubscription {
  /** False once unsubscribed or lost: its deliveries can no longer be acked on this connection. */
  open = true;
  /** Deliveries not yet acked or nacked (client-individual mode only). */
  readonly unsettled = new Set<InboundTag>();

  constructor(
    /** The STOMP `id` of the subscription. */
    readonly stompId: string,
    readonly request: SubscriptionRequest,
    /** The STOMP destination subscribed to. */
    readonly destination: string,
    readonly deliver: (delivery: Delivery) => void,
  ) {}

  get acking(): boolean {
    return this.request.settle;
  }
}

/** `Delivery.tag`: what an ack or nack needs. */
export interface InboundTag {
  /** The MESSAGE's `ack` header (STOMP 1.2) or `message-id` (1.1): the id an ACK or NACK names. */
  readonly ackId: string;
  readonly subscription: InboundSubscription;
  /** Requeues this client redelivered (ActiveMQ, see redelivery.ts). */
  redeliveries: number;
}

export function toDelivery(headers: FrameHeaders, body: Uint8Array, tag: InboundTag): Delivery {
  return {
    destination: fromDestination(headers.destination ?? ''),
    bytes: body,
    headers: applicationHeaders(headers),
    // RabbitMQ's `message-id` names the delivery, not the message; an AMQP producer's id arrives as `amqp-message-id`.
    messageId: headers[MESSAGE_ID_HEADER] ?? headers['amqp-message-id'] ?? headers['message-id'],
    correlationId: headers['correlation-id'],
    replyTo: replyTo(headers['reply-to']),
    contentType: headers['content-type'],
    priority: numberOrUndefined(headers.priority),
    expiresAt: expiresAt(headers),
    redelivered: headers.redelivered === 'true',
    possibleDuplicate: headers[POSSIBLE_DUPLICATE_HEADER] === 'true',
    tag,
  };
}

/**
 * RabbitMQ turns a `reply-to` that is not one of its destinations (`/queue/…`, `/topic/…`) into
 * `/reply-queue/NAME` on delivery; the name is what the producer gave.
 */
function replyTo(value: string | undefined): string | undefined {
  return value?.startsWith('/reply-queue/') ? value.slice('/reply-queue/'.length) : value;
}

function numberOrUndefined(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * ActiveMQ sends `expires`, the absolute JMS expiration (0: never). RabbitMQ sends `expiration`, the TTL
 * the producer gave, relative to when it was published: counted from now, it is an upper bound.
 */
function expiresAt(headers: FrameHeaders): number | undefined {
  const absolute = numberOrUndefined(headers.expires);
  if (absolute !== undefined) return absolute > 0 ? absolute : undefined;
  const relative = numberOrUndefined(headers.expiration);
  return relative !== undefined && relative >= 0 ? Date.now() + relative : undefined;
}
