/**
 * The browser sibling of ./socket.node.ts (a bundler's `browser` field maps one to the other). Browsers
 * cannot open TCP sockets, so only ws:// and wss:// are served, through the platform's WebSocket or the
 * one given as mqtt({ WebSocket }); TLS is then the browser's business; connect() refuses `tls` options (src/core/platform.ts).
 *
 * mqtt.js's browser build wraps the WebSocket in its own stream; it is handed a WebSocket-like object
 * (through its `createWebsocket` hook) whose messages pass through the InboundGuard first. Without
 * addEventListener on that object, mqtt.js uses the on* properties, which are all the wrapper has.
 */
import mqttjs, { type IClientOptions, type MqttClient } from 'mqtt';
import { UnsupportedError } from '../../core/errors.js';
import type { Endpoint } from '../../core/transport.js';
import type { TlsOptions } from '../../core/types.js';
import type { InboundGuard } from './inbound-guard.js';
import type { MqttSettings } from './options.js';
import { isWebSocket, webSocketUrl } from '../kit/web-socket-url.js';

interface BrowserWebSocket {
  binaryType: string;
  readonly readyState: number;
  readonly bufferedAmount: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onclose: ((event: unknown) => void) | null;
  send(data: unknown): void;
  close(): void;
}

const OPEN = 1;
const CLOSED = 3;

class GuardedWebSocket {
  readonly OPEN = OPEN;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  onclose: ((event: unknown) => void) | null = null;
  readonly #inner: BrowserWebSocket;
  #discarded = false;
  /** The message being admitted: passed on as it is, or cut down to the sound packets before an oversized one. */
  #event: { data: unknown } | undefined;
  readonly #pass = (bytes: Uint8Array): void => {
    const event = this.#event!;
    this.onmessage?.(bytes.byteLength === (event.data as ArrayBuffer | Uint8Array).byteLength ? event : { data: bytes.slice().buffer });
  };

  constructor(inner: BrowserWebSocket, guard: InboundGuard) {
    this.#inner = inner;
    inner.binaryType = 'arraybuffer';
    inner.onopen = (event) => this.onopen?.(event);
    inner.onerror = (event) => {
      guard.noteSocketError(new Error('WebSocket error'));
      this.onerror?.(event);
    };
    inner.onclose = (event) => this.#closed(event);
    inner.onmessage = (event) => {
      if (this.#discarded) return;
      const data = event.data;
      const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : (data as Uint8Array);
      this.#event = event;
      guard.admit(bytes, this.#pass);
    };
    guard.onDiscard(() => {
      inner.close();
      this.#closed({ code: 4001, reason: 'discarded', wasClean: false });
    });
  }

  get binaryType(): string {
    return this.#inner.binaryType;
  }

  set binaryType(value: string) {
    this.#inner.binaryType = value;
  }

  get readyState(): number {
    return this.#discarded ? CLOSED : this.#inner.readyState;
  }

  get bufferedAmount(): number {
    return this.#inner.bufferedAmount;
  }

  send(data: unknown): void {
    this.#inner.send(data);
  }

  close(): void {
    this.#inner.close();
  }

  #closed(event: unknown): void {
    if (this.#discarded) return;
    this.#discarded = true;
    this.onclose?.(event);
  }
}

type WebSocketLike = new (url: string, protocols?: string | string[]) => BrowserWebSocket;

/** A body as mqtt.js should get it (see ./socket.node.ts): as it is in the browser. */
export function asBuffer(bytes: Uint8Array): Uint8Array {
  return bytes;
}

/** The connection's own copy of a body (see ./socket.node.ts). */
export function copyBody(bytes: Uint8Array): Uint8Array {
  return bytes.slice();
}

/** Creates the mqtt.js client on a guarded WebSocket to `endpoint`; the CONNECT goes out once it opens. */
export function createClient(
  endpoint: Endpoint,
  _tls: TlsOptions | undefined,
  settings: MqttSettings,
  guard: InboundGuard,
  options: IClientOptions,
): MqttClient {
  if (!isWebSocket(endpoint)) {
    throw new UnsupportedError(
      `A browser cannot open ${endpoint.scheme}:// (raw TCP); use the broker's MQTT over WebSocket endpoint, ws:// or wss:// (RabbitMQ Web-MQTT: port 15675, path /ws)`,
    );
  }
  const WebSocketImpl = (settings.WebSocket ?? (globalThis as { WebSocket?: unknown }).WebSocket) as WebSocketLike | undefined;
  if (!WebSocketImpl) throw new UnsupportedError('This platform has no WebSocket; pass one as mqtt({ WebSocket })');
  return mqttjs.connect(webSocketUrl(endpoint), {
    ...options,
    createWebsocket: (url: string, protocols: string[]) => new GuardedWebSocket(new WebSocketImpl(url, protocols), guard),
  });
}
