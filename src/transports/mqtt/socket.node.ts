/**
 * The byte streams mqtt.js talks through in Node (Node-only imports live here, so that a bundler's
 * `browser` field can swap this file for ./socket.ts): TCP for mqtt://, TLS for mqtts:// and mqtt+ssl://,
 * and `ws` for ws:// and wss:// (MQTT over WebSocket, subprotocol "mqtt": MQTT 3.1.1 §6, MQTT 5 §6).
 *
 * mqtt.js is given a stream builder instead of a URL, so that
 * - every inbound byte passes through the InboundGuard before mqtt.js's parser sees it;
 * - TLS is exactly what the endpoint says: mqtt.js's own builders switch mqtt:// to TLS when a client
 *   certificate is set, and read MQTTJS_SOCKS_PROXY from the environment.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { MqttClient, type IClientOptions } from 'mqtt';
import WebSocket from 'ws';
import type { Endpoint } from '../../core/transport.js';
import type { TlsOptions } from '../../core/types.js';
import type { InboundGuard } from './inbound-guard.js';
import type { MqttSettings } from './options.js';
import { nodeTlsOptions } from '../kit/tls.node.js';
import { tickWriter } from '../kit/tick-writer.node.js';
import { isWebSocket, webSocketUrl } from '../kit/web-socket-url.js';
import { defaultPort, MQTT_WS_SUBPROTOCOL } from './urls.js';

/** A connecting platform socket, reduced to what the stream below needs. */
interface RawSocket {
  /** Writes the chunks in order. False when the caller should wait for `onDrain`. */
  write(chunks: readonly Uint8Array[]): boolean;
  onDrain(callback: () => void): void;
  pause(): void;
  resume(): void;
  /** Closes once what was written is flushed, without waiting for the peer (which may be frozen). */
  end(): void;
  destroy(): void;
}

interface RawEvents {
  data(chunk: Uint8Array): void;
  error(error: Error): void;
  close(): void;
}

/**
 * The Duplex mqtt.js reads and writes. Reads come from the platform socket through the guard; writes go
 * straight to it. When the guard refuses a chunk, the socket is dropped after the sound packets before the
 * offending one have gone on.
 */
class GuardedStream extends Duplex {
  readonly #raw: RawSocket;

  constructor(open: (events: RawEvents) => RawSocket, guard: InboundGuard) {
    super();
    const pass = (chunk: Uint8Array): void => {
      if (!this.push(chunk)) this.#raw.pause();
    };
    this.#raw = open({
      data: (chunk) => guard.admit(chunk, pass),
      error: (error) => {
        guard.noteSocketError(error);
        this.destroy(error);
      },
      // The broker's last packets (a CONNACK refusal, a DISCONNECT) may still be on their way to mqtt.js:
      // end the readable side and let them drain before the stream closes.
      close: () => {
        if (this.destroyed) return;
        this.push(null);
        if (this.readableEnded) this.destroy();
        else this.once('end', () => this.destroy());
      },
    });
    // Dropping the platform socket closes it at once; what the guard let through before still reaches
    // mqtt.js (see `close` above), so the whole packets ahead of an oversized one are delivered.
    guard.onDiscard(() => this.#raw.destroy());
  }

  override _read(): void {
    this.#raw.resume();
  }

  override _write(chunk: Uint8Array, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#send([chunk], callback);
  }

  /**
   * mqtt-packet corks around each packet: everything written in one tick arrives here as one batch, and
   * goes to the socket together (which the tick writer may hold to the end of the turn). The body of a
   * QoS 0 publish, which resolves before then, is already the connection's own copy (connection.ts).
   */
  override _writev(chunks: Array<{ chunk: Uint8Array }>, callback: (error?: Error | null) => void): void {
    this.#send(gather(chunks), callback);
  }

  #send(chunks: readonly Uint8Array[], callback: (error?: Error | null) => void): void {
    if (this.#raw.write(chunks)) callback();
    else this.#raw.onDrain(() => callback());
  }

  /** mqtt.js ends the stream after DISCONNECT (§3.14.4: the client then closes the network connection). */
  override _final(callback: (error?: Error | null) => void): void {
    this.#raw.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#raw.destroy();
    callback(error);
  }
}

/**
 * The connection's own copy of a body (connection.ts says when it needs one). Node's Buffer takes a small
 * one from its shared pool: about 0.1 µs for 256 B, where a fresh ArrayBuffer (`slice`) costs 1 µs.
 */
export function copyBody(bytes: Uint8Array): Uint8Array {
  return Buffer.from(bytes);
}

/**
 * A body as mqtt.js should get it: a Buffer over the same bytes. mqtt.js clones a QoS 1 packet before it
 * stores it (rfdc), and rfdc copies a Buffer's own bytes but the whole ArrayBuffer behind any other typed
 * array: 8 KiB for a body that sits in Node's Buffer pool, all of it for a view into a larger buffer.
 */
export function asBuffer(bytes: Uint8Array): Uint8Array {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Chunks this large go to the socket as they are; the small ones between them are copied into one buffer. */
const BY_REFERENCE_BYTES = 4096;

/**
 * A batch of mqtt-packet's chunks, ready for one gathered write: a packet comes as several small chunks
 * (fixed header, topic, packet id, properties) and its body, and a tick's batch as hundreds of them. The
 * small ones are cheaper copied together than queued one by one; a large body is not copied at all.
 */
export function gather(chunks: ReadonlyArray<{ chunk: Uint8Array }>): Uint8Array[] {
  const gathered: Uint8Array[] = [];
  let small: Uint8Array[] = [];
  const copySmall = () => {
    if (small.length === 0) return;
    gathered.push(small.length === 1 ? small[0]! : Buffer.concat(small));
    small = [];
  };
  for (const { chunk } of chunks) {
    if (chunk.byteLength < BY_REFERENCE_BYTES) small.push(chunk);
    else {
      copySmall();
      gathered.push(chunk);
    }
  }
  copySmall();
  return gathered;
}

/** Creates the mqtt.js client on a guarded stream to `endpoint`; the CONNECT goes out at once. */
export function createClient(
  endpoint: Endpoint,
  tls: TlsOptions | undefined,
  settings: MqttSettings,
  guard: InboundGuard,
  options: IClientOptions,
): MqttClient {
  const open = (events: RawEvents) =>
    isWebSocket(endpoint)
      ? openWebSocket(endpoint, tls, settings, events)
      : openTcp(endpoint, tls, events);
  return new MqttClient(() => new GuardedStream(open, guard), options);
}

function openTcp(endpoint: Endpoint, tls: TlsOptions | undefined, events: RawEvents): RawSocket {
  const port = endpoint.port ?? defaultPort(endpoint.scheme);
  const socket: Socket = endpoint.secure
    ? tlsConnect({ ...nodeTlsOptions(endpoint.host, tls), host: endpoint.host, port })
    : netConnect({ host: endpoint.host, port });
  // PUBACKs and PINGREQs are small packets: Nagle's algorithm would hold them back.
  socket.setNoDelay(true);
  socket.on('data', (chunk: Buffer) => events.data(chunk));
  socket.on('error', (error) => events.error(error));
  socket.on('close', () => events.close());
  const write = tickWriter(socket);
  return {
    write: (chunks) => {
      // Held by the tick writer until the end of the turn, they leave in one writev.
      let room = true;
      for (const chunk of chunks) room = write(chunk);
      return room;
    },
    onDrain: (callback) => void socket.once('drain', callback),
    pause: () => void socket.pause(),
    resume: () => void socket.resume(),
    end: () => void socket.end(() => socket.destroy()),
    destroy: () => void socket.destroy(),
  };
}

/** Headroom over the packet cap for one WebSocket message (it may hold the end of one packet and the start of the next). */
const WS_MESSAGE_HEADROOM = 64 * 1024;
const WS_CLOSE_GRACE_MS = 1000;

function openWebSocket(endpoint: Endpoint, tls: TlsOptions | undefined, settings: MqttSettings, events: RawEvents): RawSocket {
  const ws = new WebSocket(webSocketUrl(endpoint), [MQTT_WS_SUBPROTOCOL], {
    // `ws` buffers a whole message before handing it over: bound it, a little above the packet cap.
    maxPayload: settings.maxFrameBytes + WS_MESSAGE_HEADROOM,
    // MQTT over WebSocket is binary messages only (MQTT 3.1.1 §6); a broker that sends text ones anyway
    // still carries MQTT bytes, which `ws` would refuse over a payload that is not valid UTF-8.
    skipUTF8Validation: true,
    ...(endpoint.secure && nodeTlsOptions(endpoint.host, tls)),
  });
  ws.binaryType = 'nodebuffer';
  // mqtt.js writes CONNECT before the WebSocket is open; `ws` refuses to send until then.
  let pending: Uint8Array[] | undefined = [];
  ws.on('open', () => {
    const queued = pending ?? [];
    pending = undefined;
    for (const chunk of queued) ws.send(chunk, { binary: true });
  });
  ws.on('message', (data: Buffer) => events.data(data));
  ws.on('error', (error) => events.error(error));
  ws.on('close', () => events.close());
  return {
    write: (chunks) => {
      // One WebSocket message per batch (MQTT over WebSocket lets packets span messages, §6).
      const chunk = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      if (pending) pending.push(chunk);
      else if (ws.readyState === WebSocket.OPEN) ws.send(chunk, { binary: true });
      return true;
    },
    onDrain: (callback) => callback(),
    pause: () => ws.pause(),
    resume: () => ws.resume(),
    end: () => {
      // The closing handshake waits for the peer's close frame (up to 30 s in `ws`): give it a second.
      ws.close();
      const timer = setTimeout(() => ws.terminate(), WS_CLOSE_GRACE_MS);
      timer.unref();
      ws.once('close', () => clearTimeout(timer));
    },
    destroy: () => ws.terminate(),
  };
}
