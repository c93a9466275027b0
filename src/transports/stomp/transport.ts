/**
 * The STOMP transport on @stomp/stompjs 7: STOMP 1.2, falling back to 1.1. stompjs's reconnect is off
 * (the core drives failover); heart-beats implement heartbeatMs.
 */
import { Client, Versions } from '@stomp/stompjs';
import { ConnectionError, UnsupportedError } from '../../core/errors.js';
import type { Endpoint, OpenOptions, Transport } from '../../core/transport.js';
import { StompConnection } from './connection.js';
import { detectDialect } from './dialect.js';
import type { StompTransportOptions } from './options.js';
import { createSocket } from './socket.node.js';
import { translateErrorFrame, translateSocketError } from './translate.js';

const SCHEMES = ['stomp', 'stomp+ssl', 'stomp+tls', 'ws', 'wss'] as const;

export function stomp(options: StompTransportOptions = {}): Transport {
  return {
    protocol: 'stomp',
    schemes: SCHEMES,
    open(endpoint, open) {
      if (!(SCHEMES as readonly string[]).includes(endpoint.scheme)) {
        return Promise.reject(new UnsupportedError(`The STOMP transport serves ${SCHEMES.join(', ')}, not ${endpoint.scheme}`));
      }
      return openConnection(endpoint, open, options);
    },
  };
}

function openConnection(endpoint: Endpoint, open: OpenOptions, options: StompTransportOptions): Promise<StompConnection> {
  // stompjs checks every `ttl` and gives up after ttl × multiplier of silence: with ttl = heartbeatMs/2
  // and multiplier 2, a silent broker is declared dead after heartbeatMs to 1.5 × heartbeatMs.
  const beat = Math.max(100, Math.floor(open.heartbeatMs / 2));
  const connectHeaders: Record<string, string> = { host: options.virtualHost ?? '/', 'client-id': open.clientId };
  if (open.username !== undefined) connectHeaders.login = open.username;
  if (open.password !== undefined) connectHeaders.passcode = open.password;
  const client = new Client({
    webSocketFactory: () => createSocket(endpoint, open.tls, options.WebSocket),
    connectHeaders,
    stompVersions: new Versions([Versions.V1_2, Versions.V1_1]),
    heartbeatIncoming: beat,
    heartbeatOutgoing: beat,
    heartbeatToleranceMultiplier: 2,
    // A graceful close of a socket to a frozen peer waits forever for its FIN: discard it instead.
    discardWebsocketOnCommFailure: true,
    reconnectDelay: 0,
    connectionTimeout: open.connectTimeoutMs,
    forceBinaryWSFrames: true,
    // stompjs's debug output contains the CONNECT frame with the passcode: it never goes anywhere.
    debug: () => undefined,
  });
  return new Promise<StompConnection>((resolve, reject) => {
    let settled = false;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      open.signal.removeEventListener('abort', onAbort);
      void client.deactivate({ force: true });
      reject(error);
    };
    const onAbort = () => fail(open.signal.reason);
    client.onConnect = (frame) => {
      if (settled) return;
      settled = true;
      open.signal.removeEventListener('abort', onAbort);
      const dialect = options.dialect ?? detectDialect(frame.headers.server);
      resolve(new StompConnection(endpoint, client, open, dialect));
    };
    client.onStompError = (frame) => fail(translateErrorFrame(frame, endpoint, open.password, true));
    client.onWebSocketError = (event) => fail(translateSocketError(event, endpoint, open.password));
    // A standby behind Docker's port proxy accepts TCP, then closes it: that is a refusal, not "up".
    client.onWebSocketClose = () => fail(new ConnectionError(`${endpoint.display} closed the connection before CONNECTED`));
    if (open.signal.aborted) onAbort();
    else open.signal.addEventListener('abort', onAbort, { once: true });
    client.activate();
  });
}
