/**
 * Opens the MQTT transport directly (no core client), for the mqtt-*.test.ts files: what they check is
 * the transport's own contract (handshake, PUBACK confirmation, held PUBACKs, loss reports, errors).
 */
import { parseEndpoint } from '../../src/core/endpoints.js';
import type { UnifiedMqError } from '../../src/core/errors.js';
import type { Delivery, OpenOptions, OutgoingMessage, SubscriptionRequest, TransportConnection } from '../../src/core/transport.js';
import { mqtt } from '../../src/transports/mqtt/index.js';
import type { MqttTransportOptions } from '../../src/transports/mqtt/options.js';
import type { BrokerInfo } from '../support/brokers.js';

export interface Opened {
  connection: TransportConnection;
  /** The client id used (pass it again to resume the session). */
  clientId: string;
  /** Every onLost report, in order. */
  lost: UnifiedMqError[];
  /** When onLost was called (performance.now()). */
  lostAt: number[];
}

let clientSeq = 0;

export function uniqueClientId(): string {
  return `umq-mqtt-${process.pid}-${Date.now().toString(36)}-${clientSeq++}`;
}

export type OpenMqttOptions = Partial<Omit<OpenOptions, 'onLost'>> & { transport?: MqttTransportOptions };

export async function openMqtt(url: string, broker: Pick<BrokerInfo, 'username' | 'password'> | undefined, options: OpenMqttOptions = {}): Promise<Opened> {
  const lost: UnifiedMqError[] = [];
  const lostAt: number[] = [];
  const { transport, ...open } = options;
  const clientId = open.clientId ?? uniqueClientId();
  const connection = await mqtt(transport).open(parseEndpoint(url), {
    username: broker?.username,
    password: broker?.password,
    heartbeatMs: 10_000,
    connectTimeoutMs: 10_000,
    tls: undefined,
    signal: new AbortController().signal,
    logger: undefined,
    ...open,
    clientId,
    onLost: (error) => {
      lost.push(error);
      lostAt.push(performance.now());
    },
  });
  return { connection, clientId, lost, lostAt };
}

export function message(destination: string, body: string | Uint8Array, extra: Partial<OutgoingMessage> = {}): OutgoingMessage {
  return {
    kind: 'topic',
    destination,
    bytes: typeof body === 'string' ? new TextEncoder().encode(body) : body,
    headers: undefined,
    contentType: undefined,
    messageId: `m-${Math.random().toString(36).slice(2)}`,
    correlationId: undefined,
    replyTo: undefined,
    persistent: undefined,
    priority: undefined,
    ttlMs: undefined,
    possibleDuplicate: false,
    ...extra,
  };
}

let subSeq = 0;

export function request(destination: string, extra: Partial<SubscriptionRequest> = {}): SubscriptionRequest {
  return { id: `sub-${subSeq++}`, kind: 'topic', destination, prefetch: 100, durable: undefined, settle: true, ...extra };
}

export const text = (delivery: Delivery): string => new TextDecoder().decode(delivery.bytes);

/** Closes every connection given, ignoring failures (for afterEach/afterAll). */
export async function closeAll(connections: Array<TransportConnection | undefined>): Promise<void> {
  await Promise.all(connections.map((c) => c?.close().catch(() => undefined)));
}
