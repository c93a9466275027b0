/**
 * Opens the AMQP transport directly (no core client), for the amqp-*.test.ts files: they check the
 * transport's own contract (handshake, confirmation, settlement, loss reports, errors) on real brokers.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { parseEndpoint } from '../../src/core/endpoints.js';
import type { UnifiedMqError } from '../../src/core/errors.js';
import type { Delivery, OpenOptions, OutgoingMessage, SubscriptionRequest, TransportConnection } from '../../src/core/transport.js';
import { amqp, type AmqpTransportOptions } from '../../src/transports/amqp/index.js';
import type { BrokerInfo } from '../support/brokers.js';

export interface Opened {
  connection: TransportConnection;
  /** Every onLost report, in order. */
  lost: UnifiedMqError[];
  /** When onLost was called (performance.now()). */
  lostAt: number[];
}

let clientSeq = 0;

export function uniqueClientId(): string {
  return `umq-amqp-test-${process.pid}-${Date.now().toString(36)}-${clientSeq++}`;
}

export type OpenOverrides = Partial<Omit<OpenOptions, 'onLost'>> & { transport?: AmqpTransportOptions };

export async function openAmqp(url: string, broker: Pick<BrokerInfo, 'username' | 'password'> | undefined, options: OpenOverrides = {}): Promise<Opened> {
  const lost: UnifiedMqError[] = [];
  const lostAt: number[] = [];
  const { transport, ...open } = options;
  const connection = await amqp(transport).open(parseEndpoint(url), {
    clientId: uniqueClientId(),
    username: broker?.username,
    password: broker?.password,
    heartbeatMs: 10_000,
    connectTimeoutMs: 10_000,
    tls: undefined,
    signal: new AbortController().signal,
    logger: undefined,
    ...open,
    onLost: (error) => {
      lost.push(error);
      lostAt.push(performance.now());
    },
  });
  return { connection, lost, lostAt };
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

export const text = (delivery: Delivery) => new TextDecoder().decode(delivery.bytes);

/** A local TCP server for the handshake and framing cases: `onSocket` decides what it answers. */
export async function fakeServer(onSocket: (socket: Socket) => void): Promise<{ url: (scheme?: string) => string; sockets: Socket[]; close(): Promise<void> }> {
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: (scheme = 'amqp') => `${scheme}://127.0.0.1:${port}`,
    sockets,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The AMQP 1.0 SASL and AMQP protocol headers (AMQP 1.0 §2.2, §5.3.1). */
export const SASL_HEADER = Buffer.from([0x41, 0x4d, 0x51, 0x50, 3, 1, 0, 0]);
export const AMQP_HEADER = Buffer.from([0x41, 0x4d, 0x51, 0x50, 0, 1, 0, 0]);
