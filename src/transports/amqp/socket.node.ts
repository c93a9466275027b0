/**
 * The sockets AMQP travels over in Node. Node-only imports live here, so that a bundler's `browser`
 * field can swap this file for ./socket.ts: TCP for amqp://, TLS for amqps:// and amqp+ssl://, and `ws`
 * for ws:// and wss:// (OASIS AMQP WebSocket Binding, subprotocol AMQPWSB10).
 */
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import WebSocket from 'ws';
import type { Endpoint } from '../../core/transport.js';
import type { TlsOptions } from '../../core/types.js';
import type { RawSocket, SocketEvents } from './guarded-socket.js';
import type { SocketSettings } from './options.js';
import { nodeTlsOptions } from '../kit/tls.node.js';
import { tickWriter } from '../kit/tick-writer.node.js';
import { isWebSocket, webSocketUrl } from '../kit/web-socket-url.js';
import { AMQP_WS_SUBPROTOCOLS } from './ws-subprotocol.js';

export const AMQP_PORT = 5672;
export const AMQPS_PORT = 5671;

export function connectSocket(endpoint: Endpoint, tls: TlsOptions | undefined, settings: SocketSettings, events: SocketEvents): RawSocket {
  if (isWebSocket(endpoint)) return connectWebSocket(endpoint, tls, settings, events);
  const port = endpoint.port ?? (endpoint.secure ? AMQPS_PORT : AMQP_PORT);
  const socket = endpoint.secure
    ? tlsConnect({ ...nodeTlsOptions(endpoint.host, tls), host: endpoint.host, port }, () => events.open())
    : netConnect({ host: endpoint.host, port }, () => events.open());
  // Dispositions, flows and heartbeats are small frames: Nagle's algorithm would hold them back.
  socket.setNoDelay(true);
  socket.on('data', (chunk: Buffer) => events.data(chunk));
  socket.on('error', (error) => events.error(error));
  socket.on('close', () => events.close());
  return {
    write: tickWriter(socket),
    end: () => void socket.end(),
    destroy: () => void socket.destroy(),
  };
}

/** Headroom over maxFrameBytes for one WebSocket message, which may carry several frames. */
const WS_MESSAGE_HEADROOM = 64 * 1024;

function connectWebSocket(endpoint: Endpoint, tls: TlsOptions | undefined, settings: SocketSettings, events: SocketEvents): RawSocket {
  const url = webSocketUrl(endpoint);
  if (settings.WebSocket) return browserLikeWebSocket(new settings.WebSocket(url, AMQP_WS_SUBPROTOCOLS), events);
  const ws = new WebSocket(url, AMQP_WS_SUBPROTOCOLS, {
    // `ws` buffers a whole message before handing it over: bound it, a little above the frame cap.
    maxPayload: settings.maxFrameBytes + WS_MESSAGE_HEADROOM,
    // The binding allows binary messages only (AMQP WebSocket Binding §2.1); a broker that sends text ones
    // anyway still carries AMQP bytes, which `ws` would refuse over a body that is not valid UTF-8.
    skipUTF8Validation: true,
    ...(endpoint.secure ? nodeTlsOptions(endpoint.host, tls) : {}),
  });
  ws.binaryType = 'nodebuffer';
  ws.on('open', () => events.open());
  ws.on('message', (data: Buffer) => events.data(data));
  ws.on('error', (error) => events.error(error));
  ws.on('close', () => events.close());
  return {
    write: (bytes) => ws.send(bytes, { binary: true }),
    end: () => ws.close(),
    destroy: () => ws.terminate(),
  };
}

interface BrowserLikeWebSocket {
  binaryType: string;
  onopen: (() => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onclose: (() => void) | null;
  send(data: Uint8Array): void;
  close(): void;
}

/** A caller-supplied WebSocket with the browser's API (rhea reads Buffers: convert each message). */
function browserLikeWebSocket(socket: unknown, events: SocketEvents): RawSocket {
  const ws = socket as BrowserLikeWebSocket;
  ws.binaryType = 'arraybuffer';
  ws.onopen = () => events.open();
  ws.onmessage = (event) => events.data(Buffer.from(event.data as ArrayBuffer));
  ws.onerror = (event) => events.error(event);
  ws.onclose = () => events.close();
  return { write: (bytes) => ws.send(bytes), end: () => ws.close(), destroy: () => ws.close() };
}
