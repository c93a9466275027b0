/**
 * The browser sibling of ./socket.node.ts (a bundler's `browser` field maps one to the other). Browsers
 * cannot open TCP sockets, so only ws:// and wss:// are served, through the platform's WebSocket or the
 * one given as amqp({ WebSocket }); TLS is then the browser's business; connect() refuses `tls` options (src/core/platform.ts).
 * rhea reads Buffers: the browser build bundles rhea with the `buffer` package (see ./rhea-browser/globals.ts).
 */
import { Buffer } from 'buffer';
import { UnsupportedError } from '../../core/errors.js';
import type { Endpoint } from '../../core/transport.js';
import type { TlsOptions } from '../../core/types.js';
import type { RawSocket, SocketEvents } from './guarded-socket.js';
import type { SocketSettings, WebSocketConstructor } from './options.js';
import { isWebSocket, webSocketUrl } from '../kit/web-socket-url.js';
import { AMQP_WS_SUBPROTOCOLS } from './ws-subprotocol.js';

interface BrowserWebSocket {
  binaryType: string;
  onopen: (() => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onclose: (() => void) | null;
  send(data: Uint8Array): void;
  close(): void;
}

export function connectSocket(endpoint: Endpoint, _tls: TlsOptions | undefined, settings: SocketSettings, events: SocketEvents): RawSocket {
  if (!isWebSocket(endpoint)) {
    throw new UnsupportedError(
      `A browser cannot open ${endpoint.scheme}:// (raw TCP); use the broker's AMQP over WebSocket endpoint, ws:// or wss://`,
    );
  }
  const WebSocketImpl = settings.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (!WebSocketImpl) throw new UnsupportedError('This platform has no WebSocket; pass one as amqp({ WebSocket })');
  const ws = new WebSocketImpl(webSocketUrl(endpoint), AMQP_WS_SUBPROTOCOLS) as BrowserWebSocket;
  ws.binaryType = 'arraybuffer';
  ws.onopen = () => events.open();
  ws.onmessage = (event) => events.data(Buffer.from(event.data as ArrayBuffer));
  ws.onerror = (event) => events.error(event);
  ws.onclose = () => events.close();
  return { write: (bytes) => ws.send(bytes), end: () => ws.close(), destroy: () => ws.close() };
}
