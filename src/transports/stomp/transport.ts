/**
 * The STOMP transport on @stomp/stompjs 7: STOMP 1.2, falling back to 1.1, over TCP, TLS or WebSocket.
 * stompjs's reconnect is off (the core drives failover). `open()` resolves on CONNECTED, and releases the
 * socket on every failure.
 */
import { Client, Versions } from '@stomp/stompjs';
import { ConnectionError, InvalidArgumentError, UnifiedMqError } from '../../core/errors.js';
import { scrub } from '../../core/redact.js';
import type { Endpoint, OpenOptions, Transport } from '../../core/transport.js';
import { defineTransport } from '../kit/define-transport.js';
import { refusalIfUnheard } from '../kit/refusal.js';
import { StompConnection } from './connection.js';
import { detectDialect } from './dialect.js';
import { GuardedSocket } from './guarded-socket.js';
import { requestedInterval } from './heartbeat.js';
import { DEFAULT_MAX_FRAME_BYTES, DEFAULT_MAX_HEADER_BYTES, type StompSettings, type StompTransportOptions } from './options.js';
import { createSocket } from './socket.node.js';
import { translateConnectError, translateSocketError } from './translate.js';

const SCHEMES = ['stomp', 'stomp+ssl', 'stomp+tls', 'ws', 'wss'] as const;

/**
 * stompjs's own heart-beat check would give up after `interval × this` of silence: far beyond the
 * watchdog's limit (heartbeat.ts), so it only acts if the watchdog could not run.
 */
const LIBRARY_HEARTBEAT_BACKSTOP = 10;

/**
 * The STOMP 1.2/1.1 transport on @stomp/stompjs, for `stomp`, `stomp+ssl`, `ws` and `wss` endpoints:
 * pass it as `ConnectOptions.transport`.
 */
export function stomp(options: StompTransportOptions = {}): Transport {
  const settings = resolve(options);
  return defineTransport({ protocol: 'stomp', name: 'STOMP', schemes: SCHEMES, open: (endpoint, open) => openConnection(endpoint, open, settings) });
}

function resolve(options: StompTransportOptions): StompSettings {
  const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  if (!Number.isInteger(maxFrameBytes) || maxFrameBytes < 1) throw InvalidArgumentError.format('maxFrameBytes', 'must be a positive integer');
  const maxHeaderBytes = options.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
  if (!Number.isInteger(maxHeaderBytes) || maxHeaderBytes < 256) throw InvalidArgumentError.format('maxHeaderBytes', 'must be an integer of 256 or more');
  const delayMs = options.activemqRedelivery?.delayMs ?? 0;
  const maxRedeliveries = options.activemqRedelivery?.maxRedeliveries ?? Infinity;
  if (!(delayMs >= 0)) throw InvalidArgumentError.format('activemqRedelivery.delayMs', 'must be 0 or more');
  if (!(maxRedeliveries >= 0)) throw InvalidArgumentError.format('activemqRedelivery.maxRedeliveries', 'must be 0 or more');
  const versions = options.versions ?? ['1.2', '1.1'];
  if (versions.length === 0 || versions.some((v) => v !== '1.2' && v !== '1.1')) {
    throw InvalidArgumentError.format('versions', `must list '1.2' and/or '1.1', got ${JSON.stringify(versions)}`);
  }
  return {
    dialect: options.dialect,
    virtualHost: options.virtualHost ?? '/',
    versions,
    WebSocket: options.WebSocket,
    maxFrameBytes,
    maxHeaderBytes,
    redeliveryDelayMs: delayMs,
    maxRedeliveries,
  };
}

function openConnection(endpoint: Endpoint, open: OpenOptions, settings: StompSettings): Promise<StompConnection> {
  if (open.signal.aborted) return Promise.reject(abortError(open.signal, endpoint));
  let socket: GuardedSocket;
  try {
    socket = new GuardedSocket(createSocket(endpoint, open.tls, settings), settings);
  } catch (error) {
    return Promise.reject(error instanceof UnifiedMqError ? error : translateSocketError(error, endpoint, open.password));
  }
  const connectHeaders: Record<string, string> = {
    host: settings.virtualHost,
    // ActiveMQ names durable topic subscriptions by client-id and subscription name.
    'client-id': open.clientId,
  };
  if (open.username !== undefined) connectHeaders.login = open.username;
  if (open.password !== undefined) connectHeaders.passcode = open.password;
  const interval = requestedInterval(open.heartbeatMs);
  const logger = open.logger;
  const client = new Client({
    webSocketFactory: () => socket,
    connectHeaders,
    stompVersions: new Versions([...settings.versions]),
    heartbeatIncoming: interval,
    heartbeatOutgoing: interval,
    heartbeatToleranceMultiplier: LIBRARY_HEARTBEAT_BACKSTOP,
    discardWebsocketOnCommFailure: true,
    reconnectDelay: 0,
    // The core aborts `signal` at connectTimeoutMs, with a TimeoutError naming the endpoint.
    connectionTimeout: 0,
    forceBinaryWSFrames: true,
    // stompjs prints whole frames, the CONNECT frame's passcode included: scrubbed, and only to a debug logger.
    debug: logger?.debug ? (text) => logger.debug?.(`stompjs: ${scrub(text, open.password)}`) : () => undefined,
  });
  return new Promise<StompConnection>((resolvePromise, reject) => {
    let settled = false;
    const fail = (error: UnifiedMqError) => {
      if (settled) return;
      settled = true;
      open.signal.removeEventListener('abort', onAbort);
      void client.deactivate({ force: true });
      // stompjs may not have taken the socket over yet (it does so a microtask after activate()).
      socket.terminate();
      reject(error);
    };
    const onAbort = () => fail(abortError(open.signal, endpoint));
    socket.onViolation = fail;
    client.onConnect = (connected) => {
      if (settled) return;
      settled = true;
      open.signal.removeEventListener('abort', onAbort);
      const dialect = settings.dialect ?? detectDialect(connected.headers.server);
      resolvePromise(new StompConnection({ endpoint, client, socket, open, settings, dialect, connected }));
    };
    client.onStompError = (frame) => fail(translateConnectError(frame, endpoint, open.password));
    let socketError: UnifiedMqError | undefined;
    client.onWebSocketError = (event) => void (socketError ??= translateSocketError(event, endpoint, open.password));
    // A standby behind Docker's port proxy accepts TCP, then closes or resets it: that is a refusal, not "up".
    client.onWebSocketClose = () =>
      fail(socketError ? refusalIfUnheard(socketError, endpoint, socket.heard) : new ConnectionError(`${endpoint.display} closed the connection before STOMP CONNECTED`, { refused: !socket.heard }));
    open.signal.addEventListener('abort', onAbort, { once: true });
    client.activate();
  });
}

function abortError(signal: AbortSignal, endpoint: Endpoint): UnifiedMqError {
  const reason: unknown = signal.reason;
  if (reason instanceof UnifiedMqError) return reason;
  return new ConnectionError(`Connecting to ${endpoint.display} was aborted`, { cause: reason });
}
