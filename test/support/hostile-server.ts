/**
 * A hostile fake broker for MQTT, AMQP 1.0 and STOMP: a plain TCP server that completes a valid
 * handshake the way a real broker would (CONNACK; SASL, AMQP header, open and begin; CONNECTED), then
 * misbehaves. Used by test/integration/hostile-servers.test.ts to show that the client survives a peer
 * that is not what it claims: every case must end in a typed error, without hanging and without memory
 * growth.
 *
 *   const server = await startHostileServer('stomp', { behaviour: 'oversized' });
 *   connect({ transport: stomp(), endpoints: [server.url] })
 *
 * Behaviours, after the handshake:
 * - `garbage`: one burst of seeded random bytes, then silence;
 * - `oversized`: the start of a frame too large for any client (MQTT: a PUBLISH declaring the protocol's
 *   largest remaining length; AMQP: a frame size near 4 GiB; STOMP: a header block that never ends), then
 *   as many of its bytes as the client reads, for as long as it reads them (writes honour backpressure,
 *   so the server itself buffers nothing);
 * - `endless-error` (STOMP only): an ERROR frame whose body never ends, as fast as the client reads it;
 * - `slowloris`: the start of a frame, then one more byte of it every `trickleMs`, never completing it;
 * - `mute`: no handshake at all: the TCP connection is accepted, what the client sends is read, and
 *   nothing is ever answered.
 * With `armed: false` the server holds each connection after the handshake, looking alive (heart-beats,
 * PINGRESPs, empty AMQP frames) while ignoring everything, until arm() is called.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { concat } from './bytes.js';

export type HostileProtocol = 'mqtt' | 'amqp' | 'stomp';
export type HostileBehaviour = 'garbage' | 'oversized' | 'endless-error' | 'slowloris' | 'mute';

export interface HostileServerOptions {
  behaviour: HostileBehaviour;
  /** Start misbehaving right after the handshake (default), or only once arm() is called. */
  armed?: boolean;
  /** slowloris: the pause between two bytes (default 1000 ms). */
  trickleMs?: number;
  /** garbage: how many random bytes (default 64 KiB). */
  garbageBytes?: number;
  /** garbage: the PRNG seed, so that a failure can be replayed (default 1). */
  seed?: number;
}

export interface HostileServer {
  readonly protocol: HostileProtocol;
  readonly port: number;
  /** `mqtt://127.0.0.1:port` and so on. */
  readonly url: string;
  /** TCP connections accepted. */
  readonly connections: number;
  /** Handshakes completed, and the performance.now() of the latest. */
  readonly handshakes: number;
  readonly lastHandshakeAt: number;
  /** performance.now() when each connection began to misbehave (after its handshake), in order. */
  readonly misbehavedAt: readonly number[];
  /** Bytes written after handshakes (the hostile part). */
  readonly hostileBytes: number;
  /** Frames/packets the client sent after its handshake (publishes, pings, …), roughly: reads counted. */
  readonly readsAfterHandshake: number;
  /** Starts misbehaving on every connection past its handshake, and on later ones. */
  arm(): void;
  close(): Promise<void>;
}

/** The largest remaining length MQTT can express (§2.2.3): 268 435 455, four length bytes. */
const MQTT_OVERSIZED_PUBLISH = Uint8Array.of(0x30, 0xff, 0xff, 0xff, 0x7f);
/** A PUBLISH declaring 16 383 bytes: small enough for any cap, never completed by the trickle. */
const MQTT_SLOW_PUBLISH = Uint8Array.of(0x30, 0xff, 0x7f);
const MQTT_PINGRESP = Uint8Array.of(0xd0, 0x00);
/** An AMQP frame header declaring 0xFFFFFFF0 bytes (doff 2, type AMQP, channel 0). */
const AMQP_OVERSIZED_FRAME = Uint8Array.of(0xff, 0xff, 0xff, 0xf0, 0x02, 0x00, 0x00, 0x00);
/** An AMQP frame header declaring 100 000 bytes. */
const AMQP_SLOW_FRAME = Uint8Array.of(0x00, 0x01, 0x86, 0xa0, 0x02, 0x00, 0x00, 0x00);
/** AMQP 1.0 §2.4.5: an empty frame is a heartbeat. */
const AMQP_EMPTY_FRAME = Uint8Array.of(0x00, 0x00, 0x00, 0x08, 0x02, 0x00, 0x00, 0x00);
const STOMP_FRAME_START = new TextEncoder().encode('MESSAGE\ndestination:/topic/hostile\n');
const STOMP_EOL = Uint8Array.of(0x0a);
const STOMP_ERROR_START = new TextEncoder().encode('ERROR\nmessage:hostile\n\n');
/** Body bytes: no NUL, so the body never ends. */
const STOMP_BODY = new Uint8Array(64 * 1024).fill(0x61);
const HOLD_HEARTBEAT_MS = 200;

export async function startHostileServer(protocol: HostileProtocol, options: HostileServerOptions): Promise<HostileServer> {
  const sockets = new Set<Socket>();
  const timers = new Set<ReturnType<typeof setInterval>>();
  const held = new Set<Socket>();
  const misbehavedAt: number[] = [];
  let armed = options.armed ?? true;
  const stats = { connections: 0, handshakes: 0, lastHandshakeAt: 0, hostileBytes: 0, readsAfterHandshake: 0 };

  function every(ms: number, socket: Socket, tick: () => void): void {
    const timer = setInterval(() => {
      if (socket.destroyed) stop();
      else tick();
    }, ms);
    const stop = () => {
      clearInterval(timer);
      timers.delete(timer);
    };
    timers.add(timer);
    socket.once('close', stop);
  }

  function hostileWrite(socket: Socket, bytes: Uint8Array): boolean {
    if (socket.destroyed) return false;
    stats.hostileBytes += bytes.length;
    return socket.write(bytes);
  }

  /** Writes `next()` chunks for as long as the socket takes them without buffering. */
  function stream(socket: Socket, next: () => Uint8Array): void {
    const pump = () => {
      while (!socket.destroyed && hostileWrite(socket, next()));
    };
    socket.on('drain', pump);
    pump();
  }

  function misbehave(socket: Socket): void {
    held.delete(socket);
    misbehavedAt.push(performance.now());
    switch (options.behaviour) {
      case 'garbage':
        hostileWrite(socket, randomBytes(options.garbageBytes ?? 64 * 1024, options.seed ?? 1));
        break;
      case 'oversized':
        if (protocol === 'mqtt') hostileWrite(socket, MQTT_OVERSIZED_PUBLISH);
        if (protocol === 'amqp') hostileWrite(socket, AMQP_OVERSIZED_FRAME);
        stream(socket, protocol === 'stomp' ? stompHeaderLines() : zeros());
        break;
      case 'endless-error':
        if (protocol !== 'stomp') throw new Error('endless-error is a STOMP behaviour');
        hostileWrite(socket, STOMP_ERROR_START);
        stream(socket, () => STOMP_BODY);
        break;
      case 'slowloris':
        hostileWrite(socket, protocol === 'mqtt' ? MQTT_SLOW_PUBLISH : protocol === 'amqp' ? AMQP_SLOW_FRAME : STOMP_FRAME_START);
        // STOMP: a header value that never ends (no LF); the others: body bytes of a frame never completed.
        every(options.trickleMs ?? 1000, socket, () => hostileWrite(socket, Uint8Array.of(0x61)));
        break;
      case 'mute':
        break;
    }
  }

  function handshakeDone(socket: Socket): void {
    stats.handshakes++;
    stats.lastHandshakeAt = performance.now();
    if (armed) {
      misbehave(socket);
      return;
    }
    held.add(socket);
    const heartbeat = protocol === 'mqtt' ? MQTT_PINGRESP : protocol === 'amqp' ? AMQP_EMPTY_FRAME : STOMP_EOL;
    every(HOLD_HEARTBEAT_MS, socket, () => {
      if (held.has(socket)) socket.write(heartbeat);
    });
  }

  const server: Server = createServer((socket) => {
    stats.connections++;
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      held.delete(socket);
    });
    socket.on('error', () => undefined);
    if (options.behaviour === 'mute') {
      socket.resume();
      return;
    }
    const handshake = protocol === 'mqtt' ? mqttHandshake : protocol === 'amqp' ? amqpHandshake : stompHandshake;
    let done = false;
    let pending: Uint8Array = new Uint8Array(0);
    socket.on('data', (chunk: Buffer) => {
      if (done) {
        stats.readsAfterHandshake++;
        return;
      }
      pending = concat([pending, chunk]);
      const result = handshake(pending);
      pending = pending.subarray(result.consumed);
      for (const reply of result.replies) socket.write(reply);
      if (result.done) {
        done = true;
        handshakeDone(socket);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    protocol,
    port,
    url: `${protocol}://127.0.0.1:${port}`,
    get connections() { return stats.connections; },
    get handshakes() { return stats.handshakes; },
    get lastHandshakeAt() { return stats.lastHandshakeAt; },
    misbehavedAt,
    get hostileBytes() { return stats.hostileBytes; },
    get readsAfterHandshake() { return stats.readsAfterHandshake; },
    arm() {
      armed = true;
      for (const socket of [...held]) misbehave(socket);
    },
    async close() {
      for (const timer of timers) clearInterval(timer);
      timers.clear();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// ---- handshakes: each reads what the client sent so far, and answers like a broker -------------------

interface Step {
  /** Bytes of `pending` used up. */
  consumed: number;
  replies: Uint8Array[];
  /** The handshake is complete: what follows is hostile. */
  done: boolean;
}

/** MQTT: a CONNECT, answered by a CONNACK accepting it (3.1.1 §3.2; MQTT 5 adds an empty property block). */
function mqttHandshake(pending: Uint8Array): Step {
  const header = readMqttHeader(pending);
  if (!header || pending.length < header.headerBytes + header.length) return { consumed: 0, replies: [], done: false };
  // The protocol level follows the protocol name ("MQTT", 2 + 4 bytes) in CONNECT's variable header.
  const level = pending[header.headerBytes + 6];
  const connack = level === 5 ? Uint8Array.of(0x20, 0x03, 0x00, 0x00, 0x00) : Uint8Array.of(0x20, 0x02, 0x00, 0x00);
  return { consumed: header.headerBytes + header.length, replies: [connack], done: true };
}

function readMqttHeader(bytes: Uint8Array): { headerBytes: number; length: number } | undefined {
  let length = 0;
  for (let i = 1, multiplier = 1; i < Math.min(bytes.length, 5); i++, multiplier *= 128) {
    length += (bytes[i]! & 0x7f) * multiplier;
    if ((bytes[i]! & 0x80) === 0) return { headerBytes: i + 1, length };
  }
  return undefined;
}

/** STOMP: a CONNECT (or STOMP) frame, answered by CONNECTED with the heart-beats the client asked for. */
function stompHandshake(pending: Uint8Array): Step {
  const end = pending.indexOf(0);
  if (end < 0) return { consumed: 0, replies: [], done: false };
  const frame = new TextDecoder().decode(pending.subarray(0, end));
  // heart-beat:cx,cy — the client wants to hear from us every cy ms (STOMP 1.2 §Heart-beating).
  const wanted = /\nheart-beat:(\d+),(\d+)/.exec(frame);
  const [cx, cy] = wanted ? [wanted[1], wanted[2]] : ['0', '0'];
  const connected = `CONNECTED\nversion:1.2\nheart-beat:${cy},${cx}\nserver:hostile/1.0\nsession:hostile\n\n\0`;
  return { consumed: end + 1, replies: [new TextEncoder().encode(connected)], done: true };
}

/**
 * AMQP 1.0: the SASL layer if the client opens it (mechanisms PLAIN and ANONYMOUS, then an `ok` outcome,
 * §5.3), the AMQP header, then open and begin answered in kind (§2.7.1, §2.7.2). Frames are read whole;
 * the other performatives of the client (attach, flow) come after its begin and are not answered.
 */
function amqpHandshake(pending: Uint8Array): Step {
  const replies: Uint8Array[] = [];
  let at = 0;
  for (;;) {
    if (pending.length - at < 8) break;
    if (pending[at] === 0x41 /* 'A' */) {
      const protocolId = pending[at + 4];
      replies.push(pending.slice(at, at + 8));
      if (protocolId === 3) replies.push(amqpFrame(1, 0, performative(0x40, saslMechanisms())));
      at += 8;
      continue;
    }
    const size = new DataView(pending.buffer, pending.byteOffset + at).getUint32(0);
    if (pending.length - at < size) break;
    const doff = pending[at + 4]!;
    const channel = (pending[at + 6]! << 8) | pending[at + 7]!;
    const body = at + doff * 4;
    // A described performative: 0x00, then the descriptor as smallulong 0x53 <code>.
    const code = size > doff * 4 + 2 && pending[body] === 0x00 && pending[body + 1] === 0x53 ? pending[body + 2] : undefined;
    at += size;
    if (code === 0x41) replies.push(amqpFrame(1, 0, performative(0x44, [Uint8Array.of(0x50, 0x00)]))); // sasl-init → outcome ok
    if (code === 0x10) replies.push(amqpFrame(0, 0, performative(0x10, [str8('hostile')]))); // open
    if (code === 0x11) {
      // begin: remote-channel, next-outgoing-id, incoming-window, outgoing-window.
      const window = Uint8Array.of(0x70, 0x00, 0x00, 0x08, 0x00);
      replies.push(amqpFrame(0, channel, performative(0x11, [Uint8Array.of(0x60, channel >> 8, channel & 0xff), Uint8Array.of(0x43), window, window])));
      return { consumed: at, replies, done: true };
    }
  }
  return { consumed: at, replies, done: false };
}

function saslMechanisms(): Uint8Array[] {
  // An array8 of sym8: 0xe0 size count 0xa3 (len bytes)…
  const names = ['PLAIN', 'ANONYMOUS'].map((n) => new TextEncoder().encode(n));
  const elements = concat(names.map((n) => concat([Uint8Array.of(n.length), n])));
  return [concat([Uint8Array.of(0xe0, elements.length + 2, names.length, 0xa3), elements])];
}

function performative(code: number, fields: Uint8Array[]): Uint8Array {
  const list = concat(fields);
  return concat([Uint8Array.of(0x00, 0x53, code, 0xc0, list.length + 1, fields.length), list]);
}

function amqpFrame(type: number, channel: number, body: Uint8Array): Uint8Array {
  const header = new Uint8Array(8);
  new DataView(header.buffer).setUint32(0, 8 + body.length);
  header.set([0x02, type, channel >> 8, channel & 0xff], 4);
  return concat([header, body]);
}

function str8(text: string): Uint8Array {
  const bytes = new TextEncoder().encode(text);
  return concat([Uint8Array.of(0xa1, bytes.length), bytes]);
}

// ---- hostile payloads ---------------------------------------------------------------------------

/** Seeded (mulberry32), so that a garbage case that fails can be replayed byte for byte. */
export function randomBytes(count: number, seed: number): Uint8Array {
  const out = new Uint8Array(count);
  let state = seed >>> 0;
  for (let i = 0; i < count; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) & 0xff;
  }
  return out;
}

function zeros(): () => Uint8Array {
  const chunk = new Uint8Array(64 * 1024);
  return () => chunk;
}

/** Header lines, 64 KiB at a time, never the empty line that would end the block. */
function stompHeaderLines(): () => Uint8Array {
  let first = true;
  const lines = new TextEncoder().encode(`x-hostile:${'a'.repeat(1000)}\n`.repeat(64));
  return () => {
    if (!first) return lines;
    first = false;
    return concat([STOMP_FRAME_START, lines]);
  };
}
