/**
 * Opens one transport directly (no core client), for the tests of a transport's own contract (handshake,
 * confirmation, acks, loss reports, errors): the protocol-specific support files wrap `openTransport`.
 */
import { parseEndpoint } from '../../src/core/endpoints.js';
import type { UnifiedMqError } from '../../src/core/errors.js';
import type { Delivery, OpenOptions, OutgoingMessage, SubscriptionRequest, Transport, TransportConnection } from '../../src/core/transport.js';
import type { BrokerInfo } from './brokers.js';

export interface Opened {
  connection: TransportConnection;
  /** The client id used (pass it again to resume a session). */
  clientId: string;
  /** Every onLost report, in order. */
  lost: UnifiedMqError[];
  /** When onLost was called (performance.now()). */
  lostAt: number[];
}

/** What a test may set of OpenOptions (onLost is the harness's), plus the transport's own options. */
export type OpenOverrides<T> = Partial<Omit<OpenOptions, 'onLost'>> & { transport?: T };

let clientSeq = 0;

export function uniqueClientId(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${clientSeq++}`;
}

export async function openTransport(
  transport: Transport,
  clientIdPrefix: string,
  url: string,
  broker: Pick<BrokerInfo, 'username' | 'password'> | undefined,
  open: Partial<Omit<OpenOptions, 'onLost'>>,
): Promise<Opened> {
  const lost: UnifiedMqError[] = [];
  const lostAt: number[] = [];
  const clientId = open.clientId ?? uniqueClientId(clientIdPrefix);
  const connection = await transport.open(parseEndpoint(url), {
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

let subscriptionSeq = 0;

export function request(destination: string, extra: Partial<SubscriptionRequest> = {}): SubscriptionRequest {
  return { id: `sub-${subscriptionSeq++}`, kind: 'topic', destination, prefetch: 100, durable: undefined, settle: true, ...extra };
}

export const text = (delivery: Delivery): string => new TextDecoder().decode(delivery.bytes);

/** Closes every connection given, ignoring failures (for afterEach/afterAll). */
export async function closeAll(connections: Array<TransportConnection | undefined>): Promise<void> {
  await Promise.all(connections.map((c) => c?.close().catch(() => undefined)));
}
