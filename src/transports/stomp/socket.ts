/**
 * The browser sibling of ./socket.node.ts (a bundler's `browser` field maps one to the other): browsers
 * cannot open TCP sockets, so only ws:// and wss:// are served, through the platform's WebSocket or the
 * constructor given in the transport options. TLS is the browser's business there; connect() refuses `tls` options (src/core/platform.ts).
 */
import type { IStompSocket } from '@stomp/stompjs';
import { UnsupportedError } from '../../core/errors.js';
import type { Endpoint } from '../../core/transport.js';
import type { TlsOptions } from '../../core/types.js';
import type { SocketSettings } from './options.js';
import { isWebSocket, webSocketUrl } from '../kit/web-socket-url.js';
import { STOMP_SUBPROTOCOLS } from './ws-subprotocol.js';

export function createSocket(endpoint: Endpoint, _tls: TlsOptions | undefined, settings: SocketSettings): IStompSocket {
  if (!isWebSocket(endpoint)) {
    throw new UnsupportedError(
      `A browser cannot open ${endpoint.scheme}:// (raw TCP); use the broker's STOMP over WebSocket endpoint, ws:// or wss:// (RabbitMQ Web-STOMP, ActiveMQ's ws transport)`,
    );
  }
  const WebSocketImpl = settings.WebSocket ?? (globalThis as { WebSocket?: SocketSettings['WebSocket'] }).WebSocket;
  if (!WebSocketImpl) throw new UnsupportedError('This platform has no WebSocket; pass one as stomp({ WebSocket })');
  return new WebSocketImpl(webSocketUrl(endpoint), STOMP_SUBPROTOCOLS) as IStompSocket;
}
