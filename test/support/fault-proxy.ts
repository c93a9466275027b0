/**
 * A small fault-injecting TCP proxy for tests (a toxiproxy stand-in; none can be installed here).
 *
 *   const proxy = await startFaultProxy('127.0.0.1', broker.ports.mqtt!);
 *   client.connect(proxy.url('mqtt'));   // mqtt://127.0.0.1:PORT, through the proxy
 *   proxy.blackhole();                    // a silent partition
 *   proxy.pass();                         // healed
 *   await proxy.close();
 *
 * Modes (each call replaces the previous mode; pass() also clears delay and cutAfter):
 * - pass():      forward both ways (the default).
 * - refuse():    stop listening and close every connection: new connects get ECONNREFUSED, like a dead host.
 *                pass() listens again on the same port.
 * - blackhole(): keep every connection open but forward nothing, either way, like a network partition. New
 *                connections are accepted (as Docker's port proxy does) and held. Nothing is read from the
 *                sockets meanwhile, so, as with TCP over a real partition, the bytes wait in the kernel's
 *                buffers and arrive once pass() heals it. A side that gives up meanwhile (closes, or is
 *                closed by its peer's heartbeat) is not seen by the other side until the heal, which
 *                then gets a RST, as TCP would.
 * - reset():     destroy every existing connection with a TCP RST (both sides); new ones pass.
 * - delay(ms):   forward every chunk `ms` later, keeping the order.
 *                (The proxy does not apply backpressure: it is meant for protocol tests, not for floods.)
 * - cutAfter(n): close each connection (both sides) once it has forwarded `n` more bytes, counted over both
 *                directions from this call on; the chunk crossing the limit is forwarded only up to it.
 *                Good for "the connection died in the middle of a frame".
 * - inject(bytes):   append `bytes` to the next chunk the server sends each open connection (one write, so the
 *                    client gets whole frames and then the injected bytes in the same read). A hostile peer.
 * - trickle(bytes, everyMs): hold everything the server sends, and instead write `bytes` to each open
 *                    connection one byte every `everyMs` (a slowloris peer). pass() ends it.
 * - flood(chunk):    hold everything the server sends, and instead write `chunk` to each open connection again
 *                    and again, as fast as the client reads, until it hangs up (a peer streaming a frame that
 *                    never ends). pass() ends it.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface FaultProxy {
  readonly host: string;
  readonly port: number;
  /** `${scheme}://127.0.0.1:${port}${path}`, e.g. url('mqtt'), url('ws', '/ws'). */
  url(scheme: string, path?: string): string;
  /** Resolves once the proxy listens again (it stopped in refuse()); no need to await it otherwise. */
  pass(): Promise<void>;
  refuse(): Promise<void>;
  /** Resolves once the proxy listens again (after refuse()); no need to await it otherwise. */
  blackhole(): Promise<void>;
  reset(): void;
  delay(ms: number): void;
  cutAfter(bytes: number): void;
  inject(bytes: Uint8Array): void;
  trickle(bytes: Uint8Array, everyMs: number): void;
  flood(chunk: Uint8Array): void;
  /** Connections currently open through the proxy (client side). */
  readonly connections: number;
  close(): Promise<void>;
}

type Mode = 'pass' | 'refuse' | 'blackhole';

/** One proxied connection: the client's socket, and the upstream one (opened once forwarding is allowed). */
interface Link {
  client: Socket;
  upstream: Socket | undefined;
  /** Bytes this link may still forward before cutAfter() closes it (Infinity: no limit). */
  budget: number;
  /** Per direction, the chain of pending writes, to keep the order under delay(). */
  queues: { up: Promise<void>; down: Promise<void> };
  /** One side went away during a blackhole: the other side learns it (by RST) only when the partition heals. */
  broken: boolean;
  /** Bytes to append to the next chunk down (inject()). */
  injection: Uint8Array | undefined;
  /** trickle() or flood(): the server's bytes are held, and this stops what is written instead. */
  hostile: (() => void) | undefined;
}

export async function startFaultProxy(targetHost: string, targetPort: number, options: { host?: string; port?: number } = {}): Promise<FaultProxy> {
  const host = options.host ?? '127.0.0.1';
  let mode: Mode = 'pass';
  let delayMs = 0;
  let cutBudget = Infinity;
  let closed = false;
  const links = new Set<Link>();

  const destroy = (link: Link, rst = false) => {
    links.delete(link);
    link.hostile?.();
    for (const socket of [link.client, link.upstream]) {
      if (!socket || socket.destroyed) continue;
      if (rst) socket.resetAndDestroy();
      else socket.destroy();
    }
  };

  /** Forwards one chunk from `from` to `to` (in order, after the delay, within the cut budget). */
  const forward = (link: Link, direction: 'up' | 'down', chunk: Buffer) => {
    const to = direction === 'up' ? link.upstream : link.client;
    if (direction === 'down' && link.hostile) return;
    let data = chunk;
    if (direction === 'down' && link.injection) {
      data = Buffer.concat([chunk, link.injection]);
      link.injection = undefined;
    }
    let cut = false;
    if (data.length >= link.budget) {
      data = data.subarray(0, link.budget);
      cut = true;
    }
    link.budget -= data.length;
    const write = () => {
      if (!to || to.destroyed) return;
      if (data.length > 0) to.write(data);
      if (cut) {
        // Let the partial chunk leave, then close both sides.
        to.end(() => destroy(link));
        setTimeout(() => destroy(link), 50).unref();
      }
    };
    if (delayMs <= 0 && !cut) {
      // Keep the order with chunks still waiting from an earlier delay().
      link.queues[direction] = link.queues[direction].then(write);
      return;
    }
    const due = Date.now() + delayMs;
    link.queues[direction] = link.queues[direction].then(
      () => new Promise<void>((r) => setTimeout(() => (write(), r()), Math.max(0, due - Date.now()))),
    );
  };

  /** A socket of the link closed or failed. Across a blackhole the other side must not hear of it yet. */
  const lost = (link: Link) => {
    if (mode === 'blackhole') link.broken = true;
    else destroy(link);
  };

  /** Starts (or resumes) the flow of a link: opens upstream on first use, then lets data move. */
  const flow = (link: Link) => {
    if (link.broken) return destroy(link, true); // the partition healed: the survivor gets a RST, as in TCP
    if (!link.upstream) {
      const upstream = connect(targetPort, targetHost);
      link.upstream = upstream;
      upstream.setNoDelay(true);
      upstream.on('data', (chunk: Buffer) => forward(link, 'down', chunk));
      upstream.on('end', () => link.client.end());
      upstream.on('error', () => lost(link));
      upstream.on('close', () => lost(link));
    }
    link.client.resume();
    link.upstream.resume();
  };

  const onConnection = (client: Socket) => {
    if (mode === 'refuse' || closed) {
      client.destroy();
      return;
    }
    client.setNoDelay(true);
    const link: Link = {
      client, upstream: undefined, budget: cutBudget, queues: { up: Promise.resolve(), down: Promise.resolve() }, broken: false,
      injection: undefined, hostile: undefined,
    };
    links.add(link);
    client.on('data', (chunk: Buffer) => forward(link, 'up', chunk));
    client.on('end', () => link.upstream?.end());
    client.on('error', () => lost(link));
    client.on('close', () => lost(link));
    if (mode === 'blackhole') client.pause(); // accepted and held; upstream opens when healed
    else flow(link);
  };

  let server: Server | undefined;
  const listen = (port: number) =>
    new Promise<Server>((resolve, reject) => {
      const s = createServer(onConnection);
      s.once('error', reject);
      s.listen(port, host, () => resolve(s));
    });

  server = await listen(options.port ?? 0);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  let relistening: Promise<void> | undefined;

  /** Listens again (same port) after refuse(). */
  const ensureListening = (): Promise<void> => {
    if (server || closed) return Promise.resolve();
    relistening ??= listen(port)
      .then((s) => void (server = s))
      .finally(() => (relistening = undefined));
    return relistening;
  };

  const stopListening = async () => {
    const s = server;
    server = undefined;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  };

  return {
    host,
    port,
    url: (scheme, path = '') => `${scheme}://${host}:${port}${path}`,
    pass() {
      mode = 'pass';
      delayMs = 0;
      cutBudget = Infinity;
      for (const link of [...links]) {
        link.budget = Infinity;
        link.hostile?.();
        link.hostile = undefined;
        flow(link);
      }
      return ensureListening();
    },
    async refuse() {
      mode = 'refuse';
      for (const link of [...links]) destroy(link);
      await stopListening();
    },
    blackhole() {
      mode = 'blackhole';
      for (const link of links) {
        link.client.pause();
        link.upstream?.pause();
      }
      return ensureListening();
    },
    reset() {
      for (const link of [...links]) destroy(link, true);
    },
    delay(ms) {
      delayMs = ms;
    },
    cutAfter(bytes) {
      cutBudget = bytes;
      for (const link of links) link.budget = bytes;
    },
    inject(bytes) {
      for (const link of links) link.injection = bytes;
    },
    trickle(bytes, everyMs) {
      for (const link of links) {
        let at = 0;
        const timer = setInterval(() => {
          if (at < bytes.length && !link.client.destroyed) link.client.write(bytes.subarray(at, ++at));
        }, everyMs);
        link.hostile = () => clearInterval(timer);
      }
    },
    flood(chunk) {
      for (const link of links) {
        let stopped = false;
        const pump = () => {
          // write() returns false once the kernel buffer is full: go on when the client has read it ('drain').
          while (!stopped && !link.client.destroyed && link.client.write(chunk));
        };
        link.client.on('drain', pump);
        link.hostile = () => {
          stopped = true;
          link.client.off('drain', pump);
        };
        pump();
      }
    },
    get connections() {
      return links.size;
    },
    async close() {
      closed = true;
      for (const link of [...links]) destroy(link);
      await relistening?.catch(() => undefined);
      await stopListening();
    },
  };
}
