/**
 * The sockets stompjs talks through in Node: plain TCP (stomp://) through @stomp/tcp-wrapper, TLS
 * (stomp+ssl://) through the same wrapper over node:tls, and ws:// / wss:// through `ws`.
 */
import { TCPWrapper } from '@stomp/tcp-wrapper';
import type { IStompSocket } from '@stomp/stompjs';
import { connect as tlsConnect } from 'node:tls';
import WebSocket from 'ws';
import type { Endpoint } from '../../core/transport.js';
import type { TlsOptions } from '../../core/types.js';

export function createSocket(endpoint: Endpoint, tls: TlsOptions | undefined, WebSocketImpl?: new (url: string, protocols?: string | string[]) => unknown): IStompSocket {
  const host = endpoint.host;
  if (endpoint.scheme === 'ws' || endpoint.scheme === 'wss') {
    const port = endpoint.port ?? (endpoint.scheme === 'wss' ? 443 : 80);
    const url = `${endpoint.scheme}://${host.includes(':') ? `[${host}]` : host}:${port}${endpoint.path || '/ws'}`;
    if (WebSocketImpl) return new WebSocketImpl(url, ['v12.stomp', 'v11.stomp']) as IStompSocket;
    return new WebSocket(url, ['v12.stomp', 'v11.stomp'], {
      ca: tls?.ca as string | undefined,
      cert: tls?.cert as string | undefined,
      key: tls?.key as string | undefined,
      passphrase: tls?.passphrase,
      rejectUnauthorized: tls?.rejectUnauthorized ?? true,
      ...(tls?.servername && { servername: tls.servername }),
    } as WebSocket.ClientOptions) as unknown as IStompSocket;
  }
  if (endpoint.secure) {
    const port = endpoint.port ?? 61614;
    class TlsWrapper extends TCPWrapper {
      protected override getSocket(p: number, h: string) {
        return tlsConnect({
          port: p,
          host: h,
          servername: tls?.servername ?? (/^[\d.:]+$/.test(h) ? undefined : h),
          ca: tls?.ca as string | undefined,
          cert: tls?.cert as string | undefined,
          key: tls?.key as string | undefined,
          passphrase: tls?.passphrase,
          rejectUnauthorized: tls?.rejectUnauthorized ?? true,
        });
      }
    }
    return new TlsWrapper(host, port) as unknown as IStompSocket;
  }
  return new TCPWrapper(host, endpoint.port ?? 61613) as unknown as IStompSocket;
}
