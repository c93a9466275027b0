/**
 * Broker dialects of STOMP. The protocol leaves destinations and most headers to the broker, so each
 * dialect says how names, wildcards, prefetch, durability, persistence, priority and TTL are spelled.
 * ActiveMQ Classic: https://activemq.apache.org/components/classic/documentation/stomp
 * RabbitMQ: https://www.rabbitmq.com/docs/stomp
 */
import { mapDestination } from '../../core/destination.js';
import type { DestinationKind, OutgoingKind, OutgoingMessage, SubscriptionRequest } from '../../core/transport.js';
import type { Capabilities } from '../../core/types.js';

/** How a broker names STOMP destinations and headers, and what it supports; detected from its CONNECTED frame. */
export type StompDialect = 'activemq' | 'rabbitmq' | 'generic';

/** ActiveMQ's STOMP wire format refuses bodies over 100 MiB (StompWireFormat MAX_DATA_LENGTH). */
const ACTIVEMQ_MAX_BODY = 100 * 1024 * 1024;
/** RabbitMQ 3.10's default max_message_size. */
const RABBITMQ_MAX_BODY = 128 * 1024 * 1024;

/** What a broker reads of one frame's headers (ActiveMQ's StompWireFormat MAX_HEADER_LENGTH, MAX_HEADERS). */
export interface HeaderLimits {
  readonly maxLineBytes: number;
  readonly maxHeaders: number;
}

export function headerLimits(dialect: StompDialect): HeaderLimits {
  // Past these ActiveMQ closes the connection with "The maximum header length was exceeded".
  if (dialect === 'activemq') return { maxLineBytes: 10240, maxHeaders: 1000 };
  return { maxLineBytes: Infinity, maxHeaders: Infinity };
}

/** From the CONNECTED frame's `server` header: `ActiveMQ/5.17.2`, `RabbitMQ/3.10.8`. */
export function detectDialect(server: string | undefined): StompDialect {
  if (!server) return 'generic';
  // Artemis calls itself `ActiveMQ-Artemis/…` but spells wildcards and prefetch differently from Classic.
  if (/^ActiveMQ\//i.test(server)) return 'activemq';
  if (/^RabbitMQ\//i.test(server)) return 'rabbitmq';
  return 'generic';
}

/** `binaryBodies`: false when the broker sends text frames to a platform that refuses invalid UTF-8 in them (see guarded-socket.ts). */
export function capabilitiesOf(dialect: StompDialect, maxFrameBytes: number, binaryBodies = true): Capabilities {
  switch (dialect) {
    case 'activemq':
      return {
        queues: true, wildcards: true, headers: true, durableSubscriptions: true,
        // A STOMP NACK dead-letters at once on ActiveMQ; requeues are redelivered by this client (redelivery.ts).
        nack: true,
        // Honoured within a queue when its policy has prioritizedMessages="true" (the default store orders by
        // priority only when paging messages in).
        priority: true,
        ttl: true,
        maxMessageBytes: Math.min(ACTIVEMQ_MAX_BODY, maxFrameBytes),
        binaryBodies,
      };
    case 'rabbitmq':
      return {
        queues: true, wildcards: true, headers: true, durableSubscriptions: true, nack: true,
        // The `priority` header is carried, but only queues declared with x-max-priority reorder, and a
        // queue declared here with it would clash with the same queue declared elsewhere without it.
        priority: false,
        ttl: true,
        maxMessageBytes: Math.min(RABBITMQ_MAX_BODY, maxFrameBytes),
        binaryBodies,
      };
    default:
      // STOMP 1.2 itself defines none of wildcards, durability, priority or expiry.
      return {
        queues: true, wildcards: false, headers: true, durableSubscriptions: false, nack: true,
        priority: false, ttl: false, maxMessageBytes: maxFrameBytes, binaryBodies,
      };
  }
}

/** `a.b.*` → `/topic/a.b.*`; `a.#` → `/topic/a.>` (ActiveMQ) or `/topic/a.#` (RabbitMQ). */
export function toDestination(dialect: StompDialect, kind: OutgoingKind, name: string): string {
  if (kind === 'reply') return replyDestination(dialect, name);
  const prefix = kind === 'queue' ? '/queue/' : '/topic/';
  return prefix + mapDestination(name, '.', '*', dialect === 'activemq' ? '>' : '#');
}

/**
 * Request/reply: the temporary queue each connection receives its replies on. Both brokers scope
 * `/temp-queue/NAME` to the connection, so one fixed name gives one queue per connection. ActiveMQ creates
 * a temporary queue and delivers to a SUBSCRIBE on that name; RabbitMQ creates an exclusive queue when a
 * SEND names it in `reply-to`, subscribes the connection to it itself, and refuses a SUBSCRIBE to it.
 * https://activemq.apache.org/components/classic/documentation/stomp, https://www.rabbitmq.com/docs/stomp#d.tqd
 */
export const REPLY_QUEUE = '/temp-queue/umq-replies';

/** Whether replies need a SUBSCRIBE to {@link REPLY_QUEUE} (all but RabbitMQ, which subscribes by itself). */
export function subscribesToReplyQueue(dialect: StompDialect): boolean {
  return dialect !== 'rabbitmq';
}

/**
 * Where to send a reply, given the request's `replyTo` as ./inbound.ts decoded it: ActiveMQ hands out
 * `/remote-temp-queue/ID:…` (sent as is); RabbitMQ hands out `/reply-queue/amq.gen-…`, of which inbound
 * keeps the name, and a name given by a producer is a queue.
 */
export function replyDestination(dialect: StompDialect, replyTo: string): string {
  if (replyTo.startsWith('/')) return replyTo;
  return dialect === 'rabbitmq' ? `/reply-queue/${replyTo}` : `/queue/${replyTo}`;
}

/** `/topic/a.b`, `/queue/a.b` or RabbitMQ's `/exchange/amq.topic/a.b` → `a.b` (unified names hold no `/`). */
export function fromDestination(destination: string): string {
  return destination.slice(destination.lastIndexOf('/') + 1);
}

/** Persistence, priority and expiry of a SEND, in the broker's spelling. */
export function addDeliveryHeaders(dialect: StompDialect, message: OutgoingMessage, headers: Record<string, string>): void {
  // Queues hold work that must survive a broker restart or a failover to the standby, so they default
  // to persistent; topics default to the broker's default (non-persistent on ActiveMQ and RabbitMQ).
  const persistent = message.persistent ?? (message.kind === 'queue' ? true : undefined);
  if (persistent !== undefined) headers.persistent = persistent ? 'true' : 'false';
  if (message.priority !== undefined) headers.priority = String(message.priority);
  if (message.ttlMs !== undefined) {
    // ActiveMQ reads `expires` as an absolute JMS expiration; RabbitMQ reads `expiration` as a relative TTL.
    if (dialect === 'activemq') headers.expires = String(Date.now() + Math.max(1, Math.round(message.ttlMs)));
    else headers.expiration = String(Math.max(0, Math.round(message.ttlMs)));
  }
}

/**
 * The STOMP subscription id. Durable subscriptions on RabbitMQ are queues named after it, so it must be
 * the same for the same client id and name across reconnects and restarts.
 */
export function subscriptionId(dialect: StompDialect, request: SubscriptionRequest, clientId: string): string {
  if (dialect === 'rabbitmq' && isDurable(request)) return `${clientId}.${request.durable}`;
  return request.id;
}

export function isDurable(request: SubscriptionRequest): boolean {
  return request.durable !== undefined && request.kind === 'topic';
}

export function subscribeHeaders(dialect: StompDialect, request: SubscriptionRequest): Record<string, string> {
  const headers: Record<string, string> = { ack: request.settle ? 'client-individual' : 'auto' };
  if (dialect === 'activemq') {
    headers['activemq.prefetchSize'] = String(request.prefetch);
    // With the client-id sent on CONNECT, this names a durable topic subscription.
    if (isDurable(request)) headers['activemq.subscriptionName'] = request.durable!;
  } else if (dialect === 'rabbitmq') {
    headers['prefetch-count'] = String(request.prefetch);
    if (isDurable(request)) {
      headers.durable = 'true';
      headers['auto-delete'] = 'false';
    }
  }
  return headers;
}

/**
 * The frames that end a durable subscription for good (an explicit unsubscribe; closing or losing the
 * connection keeps it). ActiveMQ: an UNSUBSCRIBE closes the consumer, then a second one naming the
 * subscription removes it ("Durable consumer is in use" while the consumer is open). RabbitMQ: one
 * UNSUBSCRIBE with `durable:true` deletes the subscription's queue.
 */
export function durableUnsubscribeHeaders(dialect: StompDialect, request: SubscriptionRequest): Array<Record<string, string>> {
  if (!isDurable(request)) return [{}];
  if (dialect === 'activemq') return [{}, { 'activemq.subscriptionName': request.durable! }];
  if (dialect === 'rabbitmq') return [{ durable: 'true' }];
  return [{}];
}

/**
 * The names a broker's ERROR text may quote for a destination (RabbitMQ quotes the queue, or the
 * `amq.topic` exchange that /topic/ destinations publish to); see receipts.ts.
 */
export function namesInErrors(dialect: StompDialect, destination: string): string[] {
  const name = fromDestination(destination);
  if (dialect === 'rabbitmq' && destination.startsWith('/topic/')) return [name, 'amq.topic'];
  return [name];
}
