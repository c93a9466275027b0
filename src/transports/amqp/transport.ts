/**
 * The AMQP 1.0 transport on rhea-promise: opens a connection (SASL, open, one session) over the
 * guarded socket, picks the broker's addressing dialect, and hands back an AmqpConnection.
 *
 * rhea's reconnect is off: the core drives failover. rhea's `connect` hook routes every byte through
 * ./guarded-socket.ts (frame-size cap, protocol checks, heartbeat watchdog).
 */
import { Connection, type ConnectionOptions } from 'rhea-promise';
import { ConnectionError, TimeoutError } from '../../core/errors.js';
import type { Endpoint, OpenOptions, Transport } from '../../core/transport.js';
import { defineTransport } from '../kit/define-transport.js';
import { refusalIfUnheard } from '../kit/refusal.js';
import { AmqpConnection } from './connection.js';
import { detectDialect } from './dialect.js';
import { GuardedSocket } from './guarded-socket.js';
import { keepAliveFor } from './keep-alive.js';
import { resolveOptions, type AmqpTransportOptions } from './options.js';
import { connectSocket } from './socket.node.js';
import { translate } from './translate.js';

const SCHEMES = ['amqp', 'amqps', 'amqp+ssl', 'ws', 'wss'] as const;

const NO_SOCKET = { write() {}, end() {}, destroy() {} };

/**
 * The AMQP 1.0 transport on rhea-promise, for `amqp`, `amqps`, `ws` and `wss` endpoints:
 * pass it as `ConnectOptions.transport`.
 */
export function amqp(options: AmqpTransportOptions = {}): Transport {
  const settings = resolveOptions(options);
  return defineTransport({ protocol: 'amqp', name: 'AMQP', schemes: SCHEMES, open: (endpoint, open) => openConnection(endpoint, open, settings) });
}

async function openConnection(endpoint: Endpoint, open: OpenOptions, settings: ReturnType<typeof resolveOptions>): Promise<AmqpConnection> {
  if (open.signal.aborted) throw abortReason(open.signal, endpoint);
  const keepAlive = keepAliveFor(open.heartbeatMs);
  const socket = new GuardedSocket(endpoint, settings.maxFrameBytes);
  const socketSettings = { WebSocket: settings.WebSocket, maxFrameBytes: settings.maxFrameBytes };
  const connection = new Connection({
    host: endpoint.host,
    hostname: settings.hostname ?? endpoint.host,
    username: open.username,
    password: open.password,
    container_id: open.clientId,
    reconnect: false,
    idle_time_out: keepAlive?.idleTimeOutMs,
    max_frame_size: settings.maxFrameBytes,
    // The core's signal bounds the open; rhea-promise's own timer is only a backstop.
    operationTimeoutInSeconds: Math.max(1, Math.ceil(open.connectTimeoutMs / 1000) + 1),
    // rhea calls this to connect (instead of net.connect / tls.connect) and reads the socket it returns.
    connection_details: () => ({
      host: endpoint.host,
      port: endpoint.port ?? 0,
      connect: (_port: number, _host: string, _options: unknown, connected: () => void) => {
        try {
          return socket.attach(connectSocket(endpoint, open.tls, socketSettings, socket), connected);
        } catch (error) {
          // Thrown inside rhea's connect(): fail through the socket instead, once rhea listens to it.
          queueMicrotask(() => socket.fail(translate(error, endpoint, open.password)));
          return socket.attach(NO_SOCKET, connected);
        }
      },
    }),
  } as unknown as ConnectionOptions);
  try {
    await connection.open({ abortSignal: open.signal });
    const session = await connection.createSession({ abortSignal: open.signal });
    // The socket may have died in the very read that completed the handshake (a peer that sends garbage
    // or an oversized frame right after its begin): rhea reported that before AmqpConnection listened, so
    // the connection would stay "open" for ever, with no watchdog either. Fail the attempt instead.
    if (socket.finished) throw socket.failure ?? new ConnectionError(`${endpoint.display} closed the connection right after the handshake`);
    const dialect = settings.dialect ?? detectDialect(connection.properties as Record<string, unknown> | undefined);
    if (keepAlive) socket.watch(keepAlive.deadAfterMs, open.heartbeatMs);
    return new AmqpConnection(endpoint, connection, session, socket, open, dialect, settings.bodySection);
  } catch (error) {
    socket.destroy();
    connection.close().catch(() => undefined);
    if (open.signal.aborted) throw abortReason(open.signal, endpoint);
    // A reset before the AMQP header is a closed port behind a proxy, as cheap as a refused connect.
    throw socket.failure ?? refusalIfUnheard(translate(error, endpoint, open.password), endpoint, socket.heard);
  }
}

function abortReason(signal: AbortSignal, endpoint: Endpoint): unknown {
  return signal.reason ?? new TimeoutError(`Connecting to ${endpoint.display} was aborted`);
}
