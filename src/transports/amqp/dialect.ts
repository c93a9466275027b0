/**
 * AMQP 1.0 addressing is the broker's business (AMQP 1.0 §3.5.3 leaves `address` opaque).
 * - ActiveMQ Classic: `queue://x`, `topic://x`; wildcards `*` and `>`.
 * - RabbitMQ 3.x (amqp1_0 plugin): `/queue/x`, `/topic/key` on amq.topic; wildcards `*` and `#`.
 * - RabbitMQ 4.x (address v2): `/queues/x`, `/exchanges/amq.topic/key`.
 * - Artemis: the plain name, with source/target capabilities `queue` or `topic`.
 */
import { mapDestination } from '../../core/destination.js';
import type { DestinationKind } from '../../core/transport.js';
import type { Capabilities } from '../../core/types.js';

export type AmqpDialect = 'activemq' | 'rabbitmq' | 'rabbitmq4' | 'artemis';

export function detectDialect(properties: Record<string, unknown> | undefined): AmqpDialect {
  const product = String(properties?.product ?? '');
  const version = String(properties?.version ?? '');
  if (/rabbitmq/i.test(product)) return Number.parseInt(version, 10) >= 4 ? 'rabbitmq4' : 'rabbitmq';
  if (/artemis/i.test(product)) return 'artemis';
  return 'activemq';
}

export function capabilitiesOf(dialect: AmqpDialect, maxFrameBytes: number | undefined): Capabilities {
  return {
    queues: true,
    // RabbitMQ 4 binds topic patterns only through its management API, which AMQP cannot reach.
    wildcards: dialect !== 'rabbitmq4',
    headers: true,
    durableSubscriptions: false,
    // RabbitMQ 3.10's AMQP 1.0 plugin sometimes keeps a released delivery on the link instead of
    // redelivering it (measured: 1–2 of 50 released messages, in about half the runs): an unreliable
    // requeue is worse than none, so nack is not offered there. Leave the message unacked instead.
    nack: dialect !== 'rabbitmq',
    // RabbitMQ reorders by priority only on queues declared with x-max-priority.
    priority: dialect === 'activemq' || dialect === 'artemis',
    ttl: true,
    maxMessageBytes: dialect.startsWith('rabbitmq') ? 128 * 1024 * 1024 : (maxFrameBytes ? Math.max(maxFrameBytes * 64, 100 * 1024 * 1024) : 100 * 1024 * 1024),
  };
}

export interface Terminus {
  address: string;
  capabilities?: string[];
  /** AMQP 1.0 §3.5.5 terminus durability; 2 = unsettled-state. */
  durable?: number;
}

export function terminus(dialect: AmqpDialect, kind: DestinationKind, name: string): Terminus {
  switch (dialect) {
    case 'activemq':
      return { address: `${kind}://${mapDestination(name, '.', '*', '>')}` };
    case 'rabbitmq':
      // The plugin declares a /queue/ address durable only for a durable terminus; STOMP and MQTT declare
      // queues durable, and a mismatch fails the declare (precondition_failed: inequivalent arg 'durable').
      return kind === 'queue' ? { address: `/queue/${name}`, durable: 2 } : { address: `/topic/${name}` };
    case 'rabbitmq4':
      return { address: kind === 'queue' ? `/queues/${encodeURIComponent(name)}` : `/exchanges/amq.topic/${encodeURIComponent(name)}` };
    case 'artemis':
      return { address: name, capabilities: [kind] };
  }
}

/** The unified name of a received message's `to` address (or the subscribed name when absent). */
export function fromAddress(address: string | undefined, fallback: string): string {
  if (!address) return fallback;
  const match = /^(?:queue:\/\/|topic:\/\/|\/queues?\/|\/topic\/|\/exchanges?\/amq\.topic\/)(.*)$/.exec(address);
  return match ? decodeURIComponent(match[1]!) : address;
}
