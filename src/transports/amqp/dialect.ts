/**
 * AMQP 1.0 leaves addresses to the broker (§3.5.3, `address` is opaque), so each broker family has its
 * dialect, chosen from the `product`/`version` properties of its open frame, or by `amqp({ dialect })`:
 * - `activemq` (ActiveMQ Classic): `queue://x`, `topic://x`; wildcards `*` (one segment) and `>` (the rest).
 * - `rabbitmq` (3.x, the rabbitmq_amqp1_0 plugin, address format "v1"): `/queue/x` (declared on attach),
 *   `/topic/key` on amq.topic, whose routing keys use `.` with `*` and `#`.
 * - `rabbitmq4` (4.x, native AMQP 1.0, address format "v2"): `/queues/x` (the queue must exist: v2 never
 *   declares), `/exchanges/amq.topic/key` to publish. A v2 source can only be a queue, so topic
 *   subscriptions use the v1 `/topic/pattern` source, deprecated in 4.x but permitted by default.
 * - `artemis`: the plain address with the source/target capability `queue` or `topic`.
 * Only `rabbitmq` can be tested on this project's machines (docs/protocols.md says why).
 */
import { mapDestination } from '../../core/destination.js';
import type { DestinationKind } from '../../core/transport.js';
import type { Capabilities } from '../../core/types.js';

/** How a broker names AMQP 1.0 addresses for topics and queues, and what it supports; detected from its `open` frame. */
export type AmqpDialect = 'activemq' | 'rabbitmq' | 'rabbitmq4' | 'artemis';

export const DIALECTS: readonly AmqpDialect[] = ['activemq', 'rabbitmq', 'rabbitmq4', 'artemis'];

export function detectDialect(properties: Record<string, unknown> | undefined): AmqpDialect {
  const product = String(properties?.product ?? '');
  const version = String(properties?.version ?? '');
  if (/rabbitmq/i.test(product)) return Number.parseInt(version, 10) >= 4 ? 'rabbitmq4' : 'rabbitmq';
  if (/artemis/i.test(product)) return 'artemis';
  // ActiveMQ Classic announces product "ActiveMQ"; Amazon MQ for ActiveMQ is the same broker.
  return 'activemq';
}

const MiB = 1024 * 1024;

export function capabilitiesOf(dialect: AmqpDialect): Capabilities {
  return {
    queues: true,
    wildcards: true,
    headers: true,
    // A durable topic subscription needs a named, durable subscriber queue; neither RabbitMQ address
    // format can declare one bound to amq.topic, and the other dialects cannot be tested here.
    durableSubscriptions: false,
    // release (nack with requeue) is redelivered with first-acquirer false on RabbitMQ 3.10; the losses
    // once blamed on the broker were rhea merging an accept and a release into one disposition
    // (./settlement.ts), and the conformance case's own second send filling the prefetch window.
    nack: true,
    // RabbitMQ orders by priority only in queues declared with x-max-priority, which AMQP 1.0 cannot declare.
    priority: dialect === 'activemq' || dialect === 'artemis',
    ttl: true,
    // RabbitMQ: max_message_size, 128 MiB by default since 3.8. ActiveMQ: the transport's maxFrameSize,
    // 100 MiB by default. Artemis announces no limit.
    maxMessageBytes: dialect === 'artemis' ? Infinity : dialect === 'activemq' ? 100 * MiB : 128 * MiB,
    // AMQP over WebSocket is binary frames only (AMQP WebSocket Binding §2.1), and TCP carries any bytes.
    binaryBodies: true,
  };
}

/** An AMQP source or target (§3.5.3, §3.5.4). */
export interface Terminus {
  address: string;
  capabilities?: string[];
  /** §3.5.5 terminus durability: 2 = unsettled-state. */
  durable?: number;
}

/** Where to send a message. */
export function target(dialect: AmqpDialect, kind: DestinationKind, name: string): Terminus {
  switch (dialect) {
    case 'activemq':
      return { address: `${kind}://${name}` };
    case 'rabbitmq':
      return kind === 'queue' ? rabbitQueue(name) : { address: `/topic/${name}` };
    case 'rabbitmq4':
      return { address: kind === 'queue' ? `/queues/${encodeURIComponent(name)}` : `/exchanges/amq.topic/${encodeURIComponent(name)}` };
    case 'artemis':
      return { address: name, capabilities: [kind] };
  }
}

/**
 * Where to send a reply, given the request's `replyTo`: the address the requester's broker handed out
 * for its reply node, or a unified queue name a producer gave. RabbitMQ 3.x names a dynamic node
 * `/queue/amq.gen-…`, a server-named auto-delete queue, which a `/queue/` target would declare again
 * (refused: `amq.` names are reserved); `/reply-queue/NAME` routes to it without declaring it, as STOMP does.
 */
export function replyTarget(dialect: AmqpDialect, replyTo: string): Terminus {
  switch (dialect) {
    case 'rabbitmq':
      if (replyTo.startsWith('/queue/')) return { address: `/reply-queue/${replyTo.slice('/queue/'.length)}` };
      return replyTo.startsWith('/') ? { address: replyTo } : target(dialect, 'queue', replyTo);
    case 'rabbitmq4':
      return replyTo.startsWith('/') ? { address: replyTo } : target(dialect, 'queue', replyTo);
    case 'activemq':
      // `temp-queue://ID:…` for a dynamic node, `queue://x` from a JMS producer.
      return replyTo.includes('://') ? { address: replyTo } : target(dialect, 'queue', replyTo);
    case 'artemis':
      return { address: replyTo };
  }
}

/**
 * Whether the broker creates dynamic nodes (§3.5.3) for receivers. RabbitMQ 3.x refuses with
 * `amqp:not-implemented: Dynamic sources not supported` and ends the session, the connection with it
 * (measured on 3.10.8), so it is not even asked; RabbitMQ 4.0 and 4.1 do not offer them either.
 */
export function offersDynamicNodes(dialect: AmqpDialect): boolean {
  return dialect === 'activemq' || dialect === 'artemis';
}

/**
 * The fallback reply node where a broker has no dynamic nodes: a topic source, for which RabbitMQ
 * declares a queue of the link's own, bound to amq.topic and deleted when the link goes, which is what an
 * exclusive reply queue would be. Replies are sent to the same `/topic/` address.
 */
export function fallbackReplySource(dialect: AmqpDialect, name: string): Terminus | undefined {
  if (dialect === 'rabbitmq' || dialect === 'rabbitmq4') return { address: `/topic/${name}` };
  return undefined;
}

/** Where to receive from: a queue, or a topic pattern with the dialect's wildcards. */
export function source(dialect: AmqpDialect, kind: DestinationKind, pattern: string): Terminus {
  switch (dialect) {
    case 'activemq':
      return { address: `${kind}://${kind === 'topic' ? mapDestination(pattern, '.', '*', '>') : pattern}` };
    case 'rabbitmq':
      return kind === 'queue' ? rabbitQueue(pattern) : { address: `/topic/${pattern}` };
    case 'rabbitmq4':
      return { address: kind === 'queue' ? `/queues/${encodeURIComponent(pattern)}` : `/topic/${pattern}` };
    case 'artemis':
      return { address: kind === 'topic' ? mapDestination(pattern, '.', '*', '#') : pattern, capabilities: [kind] };
  }
}

/**
 * RabbitMQ 3.x declares a `/queue/` address durable only for a durable terminus. STOMP and MQTT declare
 * their queues durable, and a declare that disagrees fails (precondition_failed: inequivalent arg
 * 'durable'), so the three protocols only share a queue when AMQP asks for a durable one too.
 */
function rabbitQueue(name: string): Terminus {
  return { address: `/queue/${name}`, durable: 2 };
}

const ADDRESS_PREFIX = /^(?:queue:\/\/|topic:\/\/|\/queues?\/|\/topic\/|\/exchanges?\/amq\.topic\/)(.*)$/;
/** RabbitMQ 4's v2 addresses percent-encode the name (see target()); the other forms carry it as it is. */
const PERCENT_ENCODED = /^\/(?:queues|exchanges\/amq\.topic)\/.*%/;

/** A `%` that starts no valid escape (a peer's address is not ours to trust) leaves the text as it came. */
function percentDecoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * The unified name of a received message: its `to` when an AMQP producer set it; else the routing key
 * RabbitMQ gives messages from STOMP, MQTT or AMQP 0-9-1 (3.x: the `subject` property, measured on
 * 3.10; 4.x: the `x-routing-key` annotation); else the subscribed name.
 */
export function destinationOf(to: string | undefined, subject: string | undefined, routingKey: unknown, subscribed: string): string {
  if (to) {
    const match = ADDRESS_PREFIX.exec(to);
    if (match) return PERCENT_ENCODED.test(to) ? percentDecoded(match[1]!) : match[1]!;
  }
  if (subject) return subject;
  if (typeof routingKey === 'string' && routingKey !== '') return routingKey;
  return subscribed;
}
