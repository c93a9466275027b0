/**
 * Broker dialects of STOMP. The protocol leaves destinations and most headers to the broker, so each
 * dialect says how names, wildcards, prefetch, durability, persistence, priority and TTL are spelled.
 * ActiveMQ: https://activemq.apache.org/components/classic/documentation/stomp
 * RabbitMQ: https://www.rabbitmq.com/docs/stomp
 */
import { mapDestination } from '../../core/destination.js';
import type { DestinationKind, OutgoingMessage, SubscriptionRequest } from '../../core/transport.js';
import type { Capabilities } from '../../core/types.js';

export type StompDialect = 'activemq' | 'rabbitmq' | 'generic';

export function detectDialect(server: string | undefined): StompDialect {
  if (!server) return 'generic';
  if (/^ActiveMQ/i.test(server)) return 'activemq';
  if (/^RabbitMQ/i.test(server)) return 'rabbitmq';
  return 'generic';
}

export function capabilitiesOf(dialect: StompDialect): Capabilities {
  switch (dialect) {
    case 'activemq':
      // ActiveMQ dead-letters a STOMP NACK at once instead of redelivering, so nack is not offered;
      // an unacked message is redelivered when the subscription or connection goes away.
      return { queues: true, wildcards: true, headers: true, durableSubscriptions: true, nack: false, priority: true, ttl: true, maxMessageBytes: 100 * 1024 * 1024 };
    case 'rabbitmq':
      // Priority only reorders on queues declared with x-max-priority, which STOMP cannot declare.
      return { queues: true, wildcards: true, headers: true, durableSubscriptions: true, nack: true, priority: false, ttl: true, maxMessageBytes: 128 * 1024 * 1024 };
    default:
      return { queues: true, wildcards: false, headers: true, durableSubscriptions: false, nack: true, priority: false, ttl: false, maxMessageBytes: 16 * 1024 * 1024 };
  }
}

export function toDestination(dialect: StompDialect, kind: DestinationKind, name: string): string {
  const prefix = kind === 'queue' ? '/queue/' : '/topic/';
  if (dialect === 'activemq') return prefix + mapDestination(name, '.', '*', '>');
  return prefix + mapDestination(name, '.', '*', '#');
}

/** `/topic/a.b` or `/queue/a.b` (or RabbitMQ's `/exchange/amq.topic/a.b`) → `a.b`. */
export function fromDestination(destination: string): string {
  const slash = destination.lastIndexOf('/');
  return slash >= 0 ? destination.slice(slash + 1) : destination;
}

export function sendHeaders(dialect: StompDialect, message: OutgoingMessage, headers: Record<string, string>): void {
  if (message.persistent !== undefined) headers.persistent = String(message.persistent);
  else if (message.kind === 'queue') headers.persistent = 'true';
  if (message.priority !== undefined) headers.priority = String(message.priority);
  if (message.ttlMs !== undefined) {
    if (dialect === 'activemq') headers.expires = String(Date.now() + message.ttlMs);
    else headers.expiration = String(Math.max(0, Math.round(message.ttlMs)));
  }
}

export function subscribeHeaders(dialect: StompDialect, request: SubscriptionRequest, clientId: string): Record<string, string> {
  const headers: Record<string, string> = { id: request.id, ack: 'client-individual' };
  if (dialect === 'activemq') {
    headers['activemq.prefetchSize'] = String(request.prefetch);
    if (request.durable !== undefined) headers['activemq.subscriptionName'] = request.durable;
  } else if (dialect === 'rabbitmq') {
    headers['prefetch-count'] = String(request.prefetch);
    if (request.durable !== undefined) {
      // RabbitMQ names the durable subscription's queue after the id: it must be stable across reconnects.
      headers.id = `${clientId}.${request.durable}`;
      headers.durable = 'true';
      headers['auto-delete'] = 'false';
    }
  }
  return headers;
}
