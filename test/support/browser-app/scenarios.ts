/**
 * The browser test app: scenarios that run IN the page, against the built package as a user's bundle gets
 * it (`unified-mq` and one transport entry, resolved through the package's `browser` export condition).
 * test/support/browser-app.ts bundles it with esbuild, once per transport; test/integration/browser.test.ts
 * loads it in Chromium and Firefox and calls the scenarios with page.evaluate:
 *
 *   page.evaluate((setup) => window.umq.bodies(setup), setup)
 *
 * Each scenario returns plain data (what was received, which events came) for the test to assert on.
 * Where it needs a fault at an exact point (cut the active endpoint mid-stream, freeze it) it asks the
 * test for it through a hook of the page server (../page-server.ts) and goes on once the fault is in place.
 */
import { connect, type Client, type ConnectOptions, type Message, type Transport } from 'unified-mq';

/** What every scenario gets from the test. */
export interface Setup {
  endpoints: string[];
  username?: string;
  password?: string;
  /** A unique destination root for this scenario (the broker is shared). */
  name: string;
  heartbeatMs?: number;
  connectTimeoutMs?: number;
  /** MQTT 3.1.1: carry headers and the possible-duplicate flag in the payload envelope (mqtt({ envelope: true })). */
  envelope?: boolean;
}

export interface ReceivedBody {
  destination: string;
  bytes: number[];
  text: string;
  json?: unknown;
  contentType: string | undefined;
}

export interface BodiesResult {
  /** `capabilities.binaryBodies` of the subscriber's connection. */
  binaryBodies: boolean;
  received: ReceivedBody[];
  /** Without binary bodies: the subscriber's connection losses over the refused one, and its state after. */
  refused?: { losses: Array<{ code: string; message: string }>; state: string };
}

export interface QueueResult {
  queues: boolean;
  nack: boolean;
  /** When the transport lacks queues/nack here: the error codes of send/consume/nack. */
  unsupported: string[];
  /** Every delivery, in order: body and redelivered flag. */
  deliveries: Array<{ text: string; redelivered: boolean; possibleDuplicate: boolean }>;
  acked: string[];
}

export interface BufferResult {
  stateWhileDown: string;
  bufferedWhileDown: number;
  overflowCode: string | undefined;
  received: string[];
}

export interface FailoverResult {
  total: number;
  distinct: number;
  lost: number[];
  duplicates: number;
  unflaggedDuplicates: number;
  failovers: Array<{ from: string; to: string }>;
  resubscribed: number;
  consumerOnBoth: boolean;
}

export interface HeartbeatResult {
  detectedAfterMs: number;
  disconnectedCode: string | undefined;
  endpointAfter: string | undefined;
  afterwards: string[];
}

declare global {
  interface Window {
    umq: ReturnType<typeof scenarios>;
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it is true, or throws `what` after `timeoutMs`. */
async function until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

/** Asks the test (through the page server) for a fault or a repair, and waits until it is in place. */
async function hook(name: string): Promise<void> {
  const response = await fetch(`/hook/${name}`, { method: 'POST' });
  if (!response.ok) throw new Error(`hook ${name} failed: ${response.status} ${await response.text()}`);
}

/** How long nothing more may arrive before a count is final. */
const QUIET_MS = 300;

const decoder = new TextDecoder();
const text = (m: Message) => decoder.decode(m.bytes);
const codeOf = (error: unknown) => (error as { code?: string } | undefined)?.code ?? String(error);

export function scenarios(transport: (setup: Setup) => Transport) {
  const clients = new Set<Client>();
  const open = async (setup: Setup, extra: Partial<ConnectOptions> = {}): Promise<Client> => {
    const client = await connect({
      transport: transport(setup),
      endpoints: setup.endpoints,
      username: setup.username,
      password: setup.password,
      ...(setup.heartbeatMs ? { heartbeatMs: setup.heartbeatMs } : {}),
      ...(setup.connectTimeoutMs ? { connectTimeoutMs: setup.connectTimeoutMs } : {}),
      ...extra,
    });
    client.on('error', () => undefined);
    clients.add(client);
    return client;
  };
  const closeAll = async () => {
    await Promise.all([...clients].map((c) => c.close({ drain: false }).catch(() => undefined)));
    clients.clear();
  };
  const received = (m: Message): ReceivedBody => {
    let json: unknown;
    try {
      json = JSON.parse(text(m));
    } catch {
      json = undefined;
    }
    return { destination: m.destination, bytes: [...m.bytes], text: text(m), json, contentType: m.contentType };
  };

  return {
    userAgent: () => navigator.userAgent,

    /**
     * JSON, text and binary (NUL and 0xFF) bodies to a topic subscriber. Where the broker sends text frames
     * (RabbitMQ Web-STOMP's default `web_stomp.ws_frame = text`), the browser refuses a body that is not
     * UTF-8 and closes the socket: the connection says so beforehand (`capabilities.binaryBodies` false).
     * There another client publishes the binary body; the subscriber reports the loss, naming the broker
     * setting, reconnects once (a topic message is not delivered again) and receives what follows.
     */
    async bodies(setup: Setup): Promise<BodiesResult> {
      try {
        const client = await open(setup);
        const got: ReceivedBody[] = [];
        await client.subscribe(setup.name, (m) => void got.push(received(m)));
        await client.publish(setup.name, { id: 7, text: 'grüße', list: [1, null, true] });
        await client.publish(setup.name, 'plain text, ünïcödé ✓');
        const binary = new Uint8Array([0x00, 0xff, 0x01, 0x00, 0xfe, 0xff, 0x80, 0x00]);
        const { binaryBodies } = client.capabilities;
        let refused: BodiesResult['refused'];
        if (binaryBodies) {
          await client.publish(setup.name, binary);
        } else {
          await until('2 messages', () => got.length >= 2);
          const losses: Array<{ code: string; message: string }> = [];
          client.on('disconnected', ({ error }) => void losses.push({ code: error.code, message: error.message }));
          const other = await open(setup);
          await other.publish(setup.name, binary);
          await until('the refused delivery', () => losses.length > 0);
          await until('connected again', () => client.state === 'connected');
          await other.publish(setup.name, 'after the refused body');
          refused = { losses, state: client.state };
        }
        await until('3 messages', () => got.length >= 3);
        await sleep(QUIET_MS);
        return { binaryBodies, received: got, refused };
      } finally {
        await closeAll();
      }
    },

    /** `*` matches one segment, `#` zero or more trailing ones; one pattern per client (MQTT may copy per subscription). */
    async wildcards(setup: Setup): Promise<{ star: string[]; hash: string[] }> {
      try {
        const a = await open(setup);
        const b = await open(setup);
        const star: string[] = [];
        const hash: string[] = [];
        const root = setup.name;
        await a.subscribe(`${root}.*.created`, (m) => void star.push(m.destination));
        await b.subscribe(`${root}.eu.#`, (m) => void hash.push(m.destination));
        for (const name of [`${root}.eu.created`, `${root}.us.created`, `${root}.eu.x.created`, `${root}.eu.updated`, `${root}.created`]) {
          await a.publish(name, 'x');
        }
        await until('2 + 3 matches', () => star.length >= 2 && hash.length >= 3);
        await sleep(QUIET_MS);
        return { star: star.sort(), hash: hash.sort() };
      } finally {
        await closeAll();
      }
    },

    /** A queue consumed with manual acks: the first delivery of each message is nacked (requeue), the redelivery acked. */
    async queue(setup: Setup): Promise<QueueResult> {
      try {
        const client = await open(setup);
        const { queues, nack } = client.capabilities;
        const result: QueueResult = { queues, nack, unsupported: [], deliveries: [], acked: [] };
        if (!queues) {
          for (const attempt of [() => client.send(setup.name, 'x'), () => client.consume(setup.name, () => undefined)]) {
            await attempt().then(() => result.unsupported.push('resolved'), (e: unknown) => result.unsupported.push(codeOf(e)));
          }
          // What the transport does offer instead: a topic subscription with manual acks.
          await client.subscribe(setup.name, async (m) => {
            result.deliveries.push({ text: text(m), redelivered: m.redelivered, possibleDuplicate: m.possibleDuplicate });
            if (!nack) await m.nack({ requeue: true }).catch((e: unknown) => void result.unsupported.push(codeOf(e)));
            await m.ack();
            result.acked.push(text(m));
          }, { ack: 'manual' });
          for (const body of ['a', 'b', 'c']) await client.publish(setup.name, body);
          await until('3 acks', () => result.acked.length >= 3);
          await sleep(QUIET_MS);
          return result;
        }
        const seen = new Set<string>();
        await client.consume(setup.name, async (m) => {
          const body = text(m);
          result.deliveries.push({ text: body, redelivered: m.redelivered, possibleDuplicate: m.possibleDuplicate });
          if (!seen.has(body)) {
            seen.add(body);
            await m.nack({ requeue: true });
            return;
          }
          await m.ack();
          result.acked.push(body);
        }, { ack: 'manual', prefetch: 10 });
        for (const body of ['a', 'b', 'c']) await client.send(setup.name, body, { persistent: true });
        await until('3 acks', () => result.acked.length >= 3);
        await sleep(QUIET_MS);
        result.acked.sort();
        return result;
      } finally {
        await closeAll();
      }
    },

    /**
     * Publishes while no endpoint answers (hook `down`): 5 are held, the 6th overflows; after hook `up` the
     * 5 complete and arrive.
     */
    async offlineBuffer(setup: Setup): Promise<BufferResult> {
      try {
        const client = await open(setup, { buffer: { maxMessages: 5, overflow: 'reject' } });
        const received: string[] = [];
        await client.subscribe(setup.name, (m) => void received.push(text(m)));
        await hook('down');
        await until('reconnecting', () => client.state === 'reconnecting');
        const held = ['0', '1', '2', '3', '4'].map((body) => client.publish(setup.name, body));
        const overflowCode = await client.publish(setup.name, 'overflow').then(() => undefined, codeOf);
        const result: BufferResult = { stateWhileDown: client.state, bufferedWhileDown: client.pending.buffered, overflowCode, received };
        await hook('up');
        await Promise.all(held);
        await until('5 messages', () => received.length >= 5);
        await sleep(QUIET_MS);
        received.sort();
        return result;
      } finally {
        await closeAll();
      }
    },

    /**
     * `total` messages from a producer on endpoints [A, B]; the test cuts A (hook `cut`) when half are
     * out. On a transport with queues the consumer also sits on [A, B] and fails over too; without
     * queues (topics only: MQTT here) it subscribes through B alone, since a topic subscriber that is
     * away misses what is published meanwhile.
     */
    async failover(setup: Setup & { total: number }): Promise<FailoverResult> {
      try {
        const producer = await open(setup, { buffer: { maxMessages: setup.total } });
        const queues = producer.capabilities.queues;
        const consumer = await open(queues ? setup : { ...setup, endpoints: setup.endpoints.slice(1) });
        const failovers: FailoverResult['failovers'] = [];
        let resubscribed = 0;
        for (const client of [producer, consumer]) client.on('failover', ({ from, to }) => void failovers.push({ from, to }));
        consumer.on('resubscribed', ({ count }) => void (resubscribed += count));
        const counts = new Map<number, number>();
        let duplicates = 0;
        let unflaggedDuplicates = 0;
        const receive = (m: Message) => {
          const i = Number(text(m));
          const seen = counts.get(i) ?? 0;
          if (seen > 0) {
            duplicates++;
            if (!m.possibleDuplicate) unflaggedDuplicates++;
          }
          counts.set(i, seen + 1);
        };
        if (queues) await consumer.consume(setup.name, receive, { prefetch: 50 });
        else await consumer.subscribe(setup.name, receive);
        const confirmations: Array<Promise<void>> = [];
        for (let i = 0; i < setup.total; i++) {
          const body = String(i);
          confirmations.push(queues ? producer.send(setup.name, body, { persistent: true }) : producer.publish(setup.name, body));
          if (i === Math.floor(setup.total / 2)) {
            await sleep(20); // some of the first half confirmed, some still in flight
            await hook('cut');
          } else if (i % 50 === 0) {
            await sleep(1);
          }
        }
        await Promise.all(confirmations);
        await until(`${setup.total} distinct messages`, () => counts.size >= setup.total, 60_000);
        await sleep(QUIET_MS);
        const lost: number[] = [];
        for (let i = 0; i < setup.total; i++) if (!counts.has(i)) lost.push(i);
        return { total: setup.total, distinct: counts.size, lost, duplicates, unflaggedDuplicates, failovers, resubscribed, consumerOnBoth: queues };
      } finally {
        await closeAll();
      }
    },

    /** The error code of a connect that cannot succeed (one pass over the endpoints). */
    async connectError(setup: Setup): Promise<string> {
      try {
        await open(setup, { failover: { startupMaxAttempts: 1 } });
        return 'connected';
      } catch (error) {
        return codeOf(error);
      } finally {
        await closeAll();
      }
    },

    /**
     * For bench/browser-background.ts: how long after the endpoint froze (hook `freeze`) the heartbeat
     * noticed, and the tab's visibility meanwhile. Nothing else: in a throttled tab, every further step waits for a timer.
     */
    async detect(setup: Setup): Promise<{ detectedAfterMs: number; lostBeforeFreeze: number; visibility: string }> {
      try {
        const client = await open(setup);
        let frozenAt = 0;
        let disconnectedAt = 0;
        let lostBeforeFreeze = 0;
        client.on('disconnected', () => {
          if (frozenAt === 0) lostBeforeFreeze++;
          else disconnectedAt ||= performance.now();
        });
        await client.subscribe(setup.name, () => undefined);
        await hook('freeze');
        frozenAt = performance.now();
        const visibility = document.visibilityState;
        await until('the heartbeat to notice the frozen endpoint', () => disconnectedAt > 0, 600_000);
        return { detectedAfterMs: Math.round(disconnectedAt - frozenAt), lostBeforeFreeze, visibility };
      } finally {
        await closeAll();
      }
    },

    /** For bench/browser-background.ts: connection losses of an idle client over `idleMs` (nothing frozen). */
    async idle(setup: Setup & { idleMs: number }): Promise<{ disconnects: number; visibility: string; state: string }> {
      try {
        const client = await open(setup);
        let disconnects = 0;
        client.on('disconnected', () => void disconnects++);
        await client.subscribe(setup.name, () => undefined);
        await sleep(setup.idleMs);
        return { disconnects, visibility: document.visibilityState, state: client.state };
      } finally {
        await closeAll();
      }
    },

    /** The active endpoint freezes (hook `freeze`: blackhole); the heartbeat notices and the client moves to B. */
    async heartbeat(setup: Setup): Promise<HeartbeatResult> {
      try {
        const client = await open(setup);
        let disconnectedAt = 0;
        let disconnectedCode: string | undefined;
        client.on('disconnected', ({ error }) => {
          disconnectedAt ||= performance.now();
          disconnectedCode ??= error.code;
        });
        const afterwards: string[] = [];
        await client.subscribe(setup.name, (m) => void afterwards.push(text(m)));
        await hook('freeze');
        const frozenAt = performance.now();
        await until('the heartbeat to notice the frozen endpoint', () => disconnectedAt > 0, 30_000);
        await until('connected again', () => client.state === 'connected', 30_000);
        await client.publish(setup.name, 'after the freeze');
        await until('the message after the freeze', () => afterwards.length >= 1);
        await sleep(QUIET_MS);
        return { detectedAfterMs: Math.round(disconnectedAt - frozenAt), disconnectedCode, endpointAfter: client.endpoint, afterwards };
      } finally {
        await closeAll();
      }
    },
  };
}

/** Called by each transport's entry: exposes the scenarios to the test as `window.umq`. */
export function install(transport: (setup: Setup) => Transport): void {
  window.umq = scenarios(transport);
}
