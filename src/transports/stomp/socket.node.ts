/**
 * The sockets stompjs talks through in Node (Node-only imports live here, so that a bundler's `browser`
 * field can swap this file for ./socket.ts): plain TCP for stomp:// and TLS for stomp+ssl:// through
 * @stomp/tcp-wrapper's WebSocket-like face, and `ws` for ws:// and wss://.
 *
 * RabbitMQ Web-STOMP sends every frame as a WebSocket TEXT message by default (`web_stomp.ws_frame = text`),
 * binary bodies included. A text message that is not valid UTF-8 makes `ws` (like a browser) close the
 * socket with 1007, and the broker hands a queued message out again on the next connection: lost on a
 * topic, a reconnect loop on a queue. In Node the frames are taken as bytes instead: `ws` skips its UTF-8
 * check, and every message, text or binary, reaches the STOMP parser as the bytes that were sent (the
 * WebSocket-style `onmessage` of `ws` would decode a text message into a string, replacing bad bytes).
 */
import { TCPWrapper } from '@stomp/tcp-wrapper';
import type { IStompSocket } from '@stomp/stompjs';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import WebSocket, { type RawData } from 'ws';
import type { Endpoint } from '../../core/transport.js';
import type { TlsOptions } from '../../core/types.js';
import type { SocketSettings } from './options.js';
import { nodeTlsOptions } from '../kit/tls.node.js';
import { tickWriter } from '../kit/tick-writer.node.js';
import { isWebSocket, webSocketUrl } from '../kit/web-socket-url.js';
import { STOMP_SUBPROTOCOLS } from './ws-subprotocol.js';

/** Headroom over maxFrameBytes for one WebSocket message: the frame's headers travel in it too. */
const WS_MESSAGE_HEADROOM = 1024 * 1024;

export function createSocket(endpoint: Endpoint, tls: TlsOptions | undefined, settings: SocketSettings): IStompSocket {
  if (isWebSocket(endpoint)) {
    const url = webSocketUrl(endpoint);
    if (settings.WebSocket) return new settings.WebSocket(url, STOMP_SUBPROTOCOLS) as IStompSocket;
    const ws = new WebSocket(url, STOMP_SUBPROTOCOLS, {
      // `ws` buffers a whole message before handing it over: bound it, a little above the frame cap.
      maxPayload: settings.maxFrameBytes + WS_MESSAGE_HEADROOM,
      skipUTF8Validation: true,
      ...(endpoint.secure && nodeTlsOptions(endpoint.host, tls)),
    });
    return new BytesWebSocket(ws);
  }
  const port = endpoint.port ?? (endpoint.secure ? 61614 : 61613);
  const secure = endpoint.secure ? nodeTlsOptions(endpoint.host, tls) : undefined;
  // tcp-wrapper opens its socket in its constructor through getSocket(), before a subclass's fields exist,
  // so the TLS options reach it through this closure.
  class NodeSocket extends TCPWrapper {
    #write: ReturnType<typeof tickWriter> | undefined;

    protected override getSocket(p: number, h: string) {
      const socket = secure ? tlsConnect({ ...secure, port: p, host: h }) : netConnect(p, h);
      // Receipts, acks and heart-beats are small frames: Nagle's algorithm would hold them back.
      socket.setNoDelay(true);
      return socket;
    }

    /**
     * Frames written in one turn of the event loop leave in one write (../kit/tick-writer.node.ts), and a
     * frame's bytes are written as stompjs built them: tcp-wrapper's own send copies every frame once more.
     */
    override send(data: string | ArrayBuffer | Uint8Array): void {
      this.#write ??= tickWriter((this as unknown as { socket: Socket }).socket);
      this.#write(typeof data === 'string' || data instanceof Uint8Array ? data : new Uint8Array(data));
    }
  }
  return new NodeSocket(endpoint.host, port) as unknown as IStompSocket;
}

/**
 * A `ws` socket with the WebSocket face stompjs expects, whose `onmessage` hands over every message as
 * bytes (a Buffer), whether the broker sent it as a text or a binary frame.
 */
class BytesWebSocket implements IStompSocket {
  onopen: IStompSocket['onopen'] = null;
  onclose: IStompSocket['onclose'] = null;
  onerror: IStompSocket['onerror'] = null;
  onmessage: IStompSocket['onmessage'] = null;
  /** Ignored: messages are always Buffers (Uint8Arrays), which the guard and stompjs both read. */
  binaryType = 'arraybuffer';
  readonly #ws: WebSocket;

  constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.on('open', () => this.onopen?.({ type: 'open' }));
    ws.on('message', (data: RawData) => this.onmessage?.({ data: Array.isArray(data) ? Buffer.concat(data) : data }));
    ws.on('error', (error: Error) => this.onerror?.({ type: 'error', error, message: error.message }));
    ws.on('close', (code: number, reason: Buffer) => this.onclose?.({ type: 'close', code, reason: reason.toString(), wasClean: code !== 1006 }));
  }

  get url(): string { return this.#ws.url; }
  get readyState(): number { return this.#ws.readyState; }
  send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void { this.#ws.send(data as Buffer); }
  close(): void { this.#ws.close(); }
  terminate(): void { this.#ws.terminate(); }
}
