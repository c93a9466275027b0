/**
 * npm run bench:throughput — this SDK beside the raw library it wraps, on the same broker, in the same
 * run, with rounds interleaved (raw, sdk, sdk, raw, …), so that the ratio stays meaningful on a loaded
 * machine even when the absolute figures move.
 *
 * A cell is transport × broker × body size × confirmed or not. In each round a publisher sends COUNT
 * messages to a topic while a subscriber on the same broker receives them; at most WINDOW messages are in
 * flight (sent, and not yet both confirmed and received). The figure runs until the last message is
 * received. Each body starts with the send time (float64, performance.now()) and a sequence number.
 *
 * Reported per cell and implementation (the median round by msg/s):
 *   msg/s; publish-to-confirm latency p50/p99 (to "written" with confirm: false); end-to-end latency p50/p99;
 *   RSS growth per 10 000 messages in flight (peak RSS growth in the round / WINDOW × 10 000); the client
 *   process's CPU time per message (user + system, publisher and subscriber together).
 *
 * Knobs (environment):
 *   CELLS=stomp-rabbitmq,mqtt    only cells whose "transport-broker" name starts with one of these
 *   BODIES=256,64k,1m            body sizes       CONFIRM=both|true|false
 *   COUNT=2000                   messages per round (default: 30 000 / 3 000 / 200 by body size)
 *   ROUNDS=5                     rounds per implementation (default 5)
 *   VERBOSE=1                    every round's msg/s and CPU per message on stderr
 *   IMPLS=raw,sdk                which implementations to run (e.g. IMPLS=sdk for profiling)
 *   RAW_LIKE_SDK=true            the raw publishers also send a message id, as the SDK does (see the drivers)
 *
 * The SDK is the built package (dist/): the script builds it, and bench/tsconfig.json lets 'unified-mq'
 * resolve through package.json "exports". To profile, build, then
 *   TSX_TSCONFIG_PATH=bench/tsconfig.json IMPLS=sdk node --expose-gc --cpu-prof --import tsx bench/throughput.ts
 *
 * Writes bench/results/throughput.json (after every cell) and docs/performance.md with its chart.
 */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { startBroker, type Broker, type BrokerKind, type Protocol } from '../test/support/brokers.js';
import { openPair, type Implementation, type TransportName } from './throughput-drivers.js';
import { size, writeReport, type CellResult, type ImplementationResult, type ThroughputResults } from './throughput-report.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * Messages per round and the in-flight window, by body size. A round lasts a few seconds on this machine
 * kind: rounds of about one second (10 000 / 1 000 / 100 before) moved by up to 20 % from one to the next.
 */
const SHAPES: Record<number, { count: number; window: number }> = {
  [256]: { count: 30_000, window: 500 },
  [64 * KiB]: { count: 3_000, window: 50 },
  [MiB]: { count: 200, window: 8 },
};

const PAIRS: Array<{ transport: TransportName; broker: BrokerKind }> = [
  { transport: 'mqtt', broker: 'rabbitmq' },
  { transport: 'mqtt', broker: 'activemq' },
  { transport: 'mqtt', broker: 'mosquitto' },
  { transport: 'stomp', broker: 'rabbitmq' },
  { transport: 'stomp', broker: 'activemq' },
  { transport: 'amqp', broker: 'rabbitmq' },
  { transport: 'amqp', broker: 'activemq' },
];

const ROUND_DEADLINE_MS = 180_000;
const HEADER_BYTES = 12;

function parseSize(text: string): number {
  const match = /^(\d+)\s*([km]?)$/i.exec(text.trim());
  if (!match) throw new Error(`BODIES: cannot read ${JSON.stringify(text)} (write 256, 64k or 1m)`);
  return Number(match[1]) * (match[2]!.toLowerCase() === 'k' ? KiB : match[2]!.toLowerCase() === 'm' ? MiB : 1);
}

const env = process.env;
const CELL_FILTER = env.CELLS?.split(',').map((s) => s.trim()).filter(Boolean);
const BODIES = (env.BODIES ?? '256,64k,1m').split(',').map(parseSize);
const CONFIRMS = env.CONFIRM === 'true' ? [true] : env.CONFIRM === 'false' ? [false] : [true, false];
const ROUNDS = Number(env.ROUNDS ?? 5);
const IMPLS = (env.IMPLS ?? 'raw,sdk').split(',') as Implementation[];
/** VERBOSE=1: every round's msg/s on stderr, to see the spread behind the median. */
const VERBOSE = env.VERBOSE === '1';

interface RoundResult extends ImplementationResult {}

function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function round(
  implementation: Implementation,
  transport: TransportName,
  broker: Broker,
  bodyBytes: number,
  confirm: boolean,
  count: number,
  window: number,
): Promise<RoundResult> {
  const warmup = Math.min(window * 2, Math.ceil(count / 10));
  const total = warmup + count;
  const publishLatency = new Float64Array(count);
  const endToEnd = new Float64Array(count);
  const sentAt = new Float64Array(total);
  /** Bit 1: confirmed (or written); bit 2: received. The slot is free when both are set. */
  const settled = new Uint8Array(total);
  const free: Uint8Array[] = [];
  const inUse: Array<Uint8Array | undefined> = new Array(total);
  let received = 0;
  let sent = 0;
  let inFlight = 0;
  let failure: Error | undefined;
  let finishedAt = 0;
  let wake: (() => void) | undefined;
  const signal = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };

  const release = (seq: number, bit: number) => {
    settled[seq]! |= bit;
    if (settled[seq] !== 3) return;
    inFlight--;
    free.push(inUse[seq]!);
    inUse[seq] = undefined;
    signal();
  };

  const topic = `bench.tp.${implementation}.${transport}.${Math.random().toString(36).slice(2, 8)}`;
  const pair = await openPair(implementation, {
    transport,
    broker,
    confirm,
    topic,
    prefetch: Math.max(100, window),
    onMessage(bytes) {
      const now = performance.now();
      const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
      const seq = view.getUint32(8);
      if (seq >= warmup) endToEnd[seq - warmup] = now - view.getFloat64(0);
      received++;
      if (received === total) {
        finishedAt = now;
        cpuUsed = process.cpuUsage(cpuFrom);
      }
      release(seq, 2);
    },
  });

  let measuredFrom = 0;
  let cpuFrom: NodeJS.CpuUsage | undefined;
  let cpuUsed: NodeJS.CpuUsage | undefined;
  let rssBase = 0;
  let rssPeak = 0;
  const sampler = setInterval(() => {
    const rss = process.memoryUsage.rss();
    if (rss > rssPeak) rssPeak = rss;
  }, 50);
  try {
    const deadline = Date.now() + ROUND_DEADLINE_MS;
    while (received < total) {
      while (inFlight < window && sent < total) {
        const seq = sent++;
        if (seq === warmup) {
          // Measure from here: wait for the warm-up to drain, then collect garbage and take the RSS base.
          sent--;
          if (inFlight > 0) break;
          (globalThis as { gc?: () => void }).gc?.();
          rssBase = rssPeak = process.memoryUsage.rss();
          measuredFrom = performance.now();
          cpuFrom = process.cpuUsage();
          sent++;
        }
        const body = free.pop() ?? new Uint8Array(bodyBytes).fill(0xa5);
        inUse[seq] = body;
        const view = new DataView(body.buffer, body.byteOffset, HEADER_BYTES);
        const at = performance.now();
        view.setFloat64(0, at);
        view.setUint32(8, seq);
        sentAt[seq] = at;
        inFlight++;
        pair.publish(body).then(
          () => {
            if (seq >= warmup) publishLatency[seq - warmup] = performance.now() - sentAt[seq]!;
            release(seq, 1);
          },
          (error: unknown) => {
            failure ??= error instanceof Error ? error : new Error(String(error));
            signal();
          },
        );
      }
      if (failure) throw failure;
      if (received >= total) break;
      if (Date.now() > deadline) throw new Error(`round did not finish within ${ROUND_DEADLINE_MS} ms: ${received - warmup}/${count} received, ${inFlight} in flight`);
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 1000).unref();
      });
    }
  } finally {
    clearInterval(sampler);
    await pair.close().catch(() => undefined);
  }
  const elapsedMs = finishedAt - measuredFrom;
  publishLatency.sort();
  endToEnd.sort();
  return {
    msgPerSec: Math.round((count / elapsedMs) * 1000),
    publishP50Ms: round2(quantile(publishLatency, 0.5)),
    publishP99Ms: round2(quantile(publishLatency, 0.99)),
    endToEndP50Ms: round2(quantile(endToEnd, 0.5)),
    endToEndP99Ms: round2(quantile(endToEnd, 0.99)),
    rssPer10kInFlightMiB: round2((((rssPeak - rssBase) / window) * 10_000) / MiB),
    cpuMicrosPerMessage: cpuUsed ? round2((cpuUsed.user + cpuUsed.system) / count) : Number.NaN,
  };
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/**
 * The median round by msg/s (the lower of the two middle ones for an even count). On a shared 2-core
 * machine one round can be 20 % off its neighbours either way; a best-of figure would report that tail.
 */
function median(results: RoundResult[] | undefined): RoundResult | undefined {
  if (!results || results.length === 0) return undefined;
  const sorted = [...results].sort((x, y) => x.msgPerSec - y.msgPerSec);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}


async function main(): Promise<void> {
  execFileSync('bash', ['scripts/ensure-docker.sh'], { stdio: 'inherit' });
  const pairs = PAIRS.filter(({ transport, broker }) => !CELL_FILTER || CELL_FILTER.some((prefix) => `${transport}-${broker}`.startsWith(prefix)));
  const kinds = [...new Set(pairs.map((p) => p.broker))];
  const brokers = new Map<BrokerKind, Broker>();
  const results: ThroughputResults = {
    date: new Date().toISOString(),
    command: `npm run bench:throughput${CELL_FILTER ? ` (CELLS=${env.CELLS})` : ''}`,
    node: process.version,
    cpus: cpus().length,
    loadAverageAtStart: loadavg().map((n) => round2(n)),
    rounds: ROUNDS,
    cells: [],
  };
  const stop = async () => {
    await Promise.all([...brokers.values()].map((broker) => broker.dispose()));
    brokers.clear();
  };
  const onSignal = () => void stop().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const started = await Promise.allSettled(kinds.map(async (kind) => brokers.set(kind, await startBroker(kind))));
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    console.log('| cell | body | confirm | raw msg/s | sdk msg/s | ratio | publish p50/p99 ms (raw · sdk) | e2e p50/p99 ms (raw · sdk) | RSS MiB/10k (raw · sdk) | CPU µs/msg (raw · sdk) |');
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const { transport, broker: kind } of pairs) {
      const broker = brokers.get(kind)!;
      if (!broker.endpoints[transport as Protocol]) {
        console.error(`${transport}-${kind}: this broker does not serve ${transport}; skipped`);
        continue;
      }
      for (const bodyBytes of BODIES) {
        const shape = SHAPES[bodyBytes] ?? { count: 1000, window: 50 };
        const count = env.COUNT ? Number(env.COUNT) : shape.count;
        for (const confirm of CONFIRMS) {
          const rounds = new Map<Implementation, RoundResult[]>(IMPLS.map((implementation) => [implementation, []]));
          const errors: string[] = [];
          for (let r = 0; r < ROUNDS; r++) {
            const order = r % 2 === 0 ? IMPLS : [...IMPLS].reverse();
            for (const implementation of order) {
              try {
                const result = await round(implementation, transport, broker, bodyBytes, confirm, count, shape.window);
                if (VERBOSE) console.error(`  round ${r + 1} ${implementation}: ${result.msgPerSec} msg/s, ${result.cpuMicrosPerMessage} µs CPU/msg`);
                rounds.get(implementation)!.push(result);
              } catch (error) {
                errors.push(`${implementation}: ${(error as Error).message}`);
              }
            }
          }
          const raw = median(rounds.get('raw'));
          const sdk = median(rounds.get('sdk'));
          const cell: CellResult = {
            transport,
            broker: kind,
            bodyBytes,
            confirm,
            count,
            window: shape.window,
            raw,
            sdk,
            ratio: raw && sdk ? round2(sdk.msgPerSec / raw.msgPerSec) : undefined,
            ...(errors.length > 0 && { errors }),
          };
          results.cells.push(cell);
          const pair = (f: (r: RoundResult) => string) => `${raw ? f(raw) : '–'} · ${sdk ? f(sdk) : '–'}`;
          console.log(
            `| ${transport}-${kind} | ${size(bodyBytes)} | ${confirm} | ${raw?.msgPerSec ?? '–'} | ${sdk?.msgPerSec ?? '–'} | ${cell.ratio ?? '–'} | ` +
              `${pair((r) => `${r.publishP50Ms}/${r.publishP99Ms}`)} | ${pair((r) => `${r.endToEndP50Ms}/${r.endToEndP99Ms}`)} | ${pair((r) => String(r.rssPer10kInFlightMiB))} | ${pair((r) => String(r.cpuMicrosPerMessage))} |`,
          );
          for (const error of errors) console.error(`  ${transport}-${kind} ${size(bodyBytes)} confirm=${confirm}: ${error}`);
          mkdirSync('bench/results', { recursive: true });
          writeFileSync('bench/results/throughput.json', JSON.stringify(results, null, 2) + '\n');
        }
      }
    }
  } finally {
    await stop();
  }
  writeReport(results);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
