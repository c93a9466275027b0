/**
 * The fault harness: a producer streams persistent messages at a steady rate to a queue while a
 * consumer drains it; one fault is injected part-way. Every message is then classified the way
 * RabbitMQ's Jepsen suite does: lost (confirmed, never received), duplicated (flagged or not), and
 * order violations among first deliveries.
 *
 * The stream is timed on the fault, not on a message count: it runs until `total` messages were offered
 * AND the fault has completed, then `afterFault` more. A fault with several steps (failback: kill, wait,
 * restart, kill again) thus lands every step while messages flow, and what is sent after it is checked too.
 */
import { connect, type Client, type ConnectOptions, type Transport } from '../../src/index.js';
import { sleep } from '../support/wait.js';

/** The consumer's prefetch window: what a broker may have dispatched and not yet seen acknowledged. */
export const PREFETCH = 100;

export interface StreamTarget {
  transport: () => Transport;
  endpoints: string[];
  username?: string;
  password?: string;
  connectOptions?: Partial<ConnectOptions>;
}

export interface StreamOptions {
  /** A queue, or (kind 'topic') a topic whose subscription outlives the connection (MQTT persistent session). */
  queue: string;
  kind?: 'queue' | 'topic';
  /** Messages offered at least; the fault starts when a third of them were offered. */
  total: number;
  /** Messages offered after the fault has completed (default 1000). */
  afterFault?: number;
  /** Messages per second the producer offers (default 2000). */
  ratePerSecond?: number;
  fault(context: FaultContext): Promise<void>;
  /**
   * After the stream, always: fetch what stayed elsewhere (e.g. on a returning independent broker).
   * Deliveries recorded here are counted as drained, and left out of the order count.
   */
  drainExtra?(record: (body: string, possibleDuplicate: boolean, messageId: string | undefined) => void): Promise<void>;
  /** Longest wait for the last messages after the producer is done (default 60 s). */
  settleTimeoutMs?: number;
  /** The endpoints are brokers with stores of their own: count what a returning one kept apart (`keptLate`). */
  independentBrokers?: boolean;
}

export interface FaultContext {
  producer: Client;
  consumer: Client;
  /** Resolves at the consumer's next `disconnected` event, with the time it fired (Date.now()). */
  nextDisconnect: Promise<number>;
  /** How many messages the producer has offered so far. */
  sent(): number;
  /** The consumer's next `failover` event from now on (call it before injecting the fault it follows). */
  nextFailover(): Promise<{ from: string; to: string }>;
}

export interface StreamReport {
  sent: number;
  confirmed: number;
  rejected: number;
  received: number;
  distinct: number;
  lost: number[];
  duplicates: number;
  unflaggedDuplicates: number;
  /**
   * Of the unflagged duplicates: copies that arrived after a flagged copy of the same message, i.e. an
   * original that surfaced after its flagged re-send (independent brokers, see docs/failover.md).
   */
  unflaggedOriginals: number;
  /** Order violations among first deliveries on the consumer (drained and kept-late deliveries are not counted). */
  orderViolations: number;
  /**
   * With independent brokers: first deliveries, after the consumer came back to a broker it had left, of
   * messages sent before the producer left that broker. That broker kept them while it was away; they come
   * after newer ones by design (docs/failover.md, "Two independent brokers"), so they are counted here and
   * left out of the order count. Always 0 without `independentBrokers`.
   */
  keptLate: number;
  /** Deliveries fetched by drainExtra, and how many of them were first deliveries. */
  drained: number;
  drainedFirst: number;
  /** Deliveries whose messageId is not the one the producer gave that body (a re-send must keep it). */
  wrongMessageIds: number;
  failovers: Array<{ client: 'producer' | 'consumer'; from: string; to: string; downtimeMs: number; sentBefore: number }>;
  /** Consumer failovers that moved it to another endpoint (a takeover, as opposed to coming back to the same one). */
  takeovers: number;
  resubscribed: number;
  /** Messages offered when the fault started, and when it had completed. */
  sentAtFault: number;
  sentAtFaultEnd: number;
  /** Where each client was connected at the end of the stream. */
  endpoints: { producer: string | undefined; consumer: string | undefined };
}

export async function streamThroughFault(target: StreamTarget, options: StreamOptions): Promise<StreamReport> {
  const rate = options.ratePerSecond ?? 2000;
  const afterFault = options.afterFault ?? 1000;
  // Room for a fault that takes up to two minutes at this rate.
  const capacity = options.total + afterFault + rate * 120;
  const open = () =>
    connect({
      transport: target.transport(),
      endpoints: target.endpoints,
      username: target.username,
      password: target.password,
      buffer: { maxMessages: capacity, maxBytes: 64 * 1024 * 1024 },
      ...target.connectOptions,
    });
  const producer = await open();
  const consumer = await open();
  const report: StreamReport = {
    sent: 0, confirmed: 0, rejected: 0, received: 0, distinct: 0, lost: [], duplicates: 0, unflaggedDuplicates: 0,
    unflaggedOriginals: 0, orderViolations: 0, keptLate: 0, drained: 0, drainedFirst: 0, wrongMessageIds: 0, failovers: [], takeovers: 0,
    resubscribed: 0, sentAtFault: 0, sentAtFaultEnd: 0, endpoints: { producer: undefined, consumer: undefined },
  };
  const counts = new Uint16Array(capacity);
  const flaggedSeen = new Uint8Array(capacity);
  let highestFirst = -1;
  /** independentBrokers: per endpoint, how many messages were offered when the producer last left it. */
  const producerLeft = new Map<string, number>();
  /** Messages offered when the producer last lost its connection: what it offered later never reached that broker. */
  let sentAtLoss = 0;
  producer.on('disconnected', () => void (sentAtLoss = report.sent));
  /** independentBrokers: messages below this index were kept by the broker the consumer came back to. */
  let keptBelow = -1;
  const record = (drained: boolean) => (body: string, possibleDuplicate: boolean, messageId: string | undefined) => {
    const i = Number(body);
    report.received++;
    if (drained) report.drained++;
    if (messageId !== `m-${body}`) report.wrongMessageIds++;
    if (counts[i]! > 0) {
      report.duplicates++;
      if (!possibleDuplicate) {
        report.unflaggedDuplicates++;
        if (flaggedSeen[i]) report.unflaggedOriginals++;
      }
    } else {
      if (drained) report.drainedFirst++;
      else if (i < keptBelow) report.keptLate++;
      else {
        if (i < highestFirst) report.orderViolations++;
        highestFirst = Math.max(highestFirst, i);
      }
      report.distinct++;
    }
    if (possibleDuplicate) flaggedSeen[i] = 1;
    counts[i]!++;
  };
  const errors: Error[] = [];
  for (const [name, client] of [['producer', producer], ['consumer', consumer]] as const) {
    client.on('failover', (e) => {
      report.failovers.push({ client: name, ...e, sentBefore: report.sent });
      if (name === 'consumer' && e.from !== e.to) report.takeovers++;
      if (!options.independentBrokers || e.from === e.to) return;
      if (name === 'producer') producerLeft.set(e.from, sentAtLoss);
      else keptBelow = producerLeft.get(e.to) ?? -1;
    });
    client.on('error', ({ error }) => void errors.push(error));
  }
  consumer.on('resubscribed', ({ count }) => void (report.resubscribed += count));
  const nextDisconnect = new Promise<number>((resolve) => consumer.once('disconnected', () => resolve(Date.now())));

  const decoder = new TextDecoder();
  const live = record(false);
  const onMessage = (m: { bytes: Uint8Array; possibleDuplicate: boolean; messageId: string | undefined }) =>
    live(decoder.decode(m.bytes), m.possibleDuplicate, m.messageId);
  if (options.kind === 'topic') await consumer.subscribe(options.queue, onMessage, { prefetch: PREFETCH });
  else await consumer.consume(options.queue, onMessage, { prefetch: PREFETCH });

  const confirmed = new Uint8Array(capacity);
  const confirmations: Promise<void>[] = [];
  const perTick = Math.max(1, Math.round(rate / 100));
  const faultIndex = Math.floor(options.total / 3);
  let fault: Promise<void> | undefined;
  let faultDone = false;
  let end = options.total;
  try {
    for (let i = 0; i < end || (fault && !faultDone); ) {
      const tickStart = performance.now();
      for (let k = 0; k < perTick && (i < end || (fault && !faultDone)) && i < capacity; k++, i++) {
        const n = i;
        report.sent++;
        confirmations.push(
          (options.kind === 'topic'
            ? producer.publish(options.queue, String(n), { persistent: true, messageId: `m-${n}` })
            : producer.send(options.queue, String(n), { persistent: true, messageId: `m-${n}` })
          ).then(
            () => void ((confirmed[n] = 1), report.confirmed++),
            () => void report.rejected++,
          ),
        );
        if (n === faultIndex) {
          report.sentAtFault = report.sent;
          const nextFailover = () => new Promise<{ from: string; to: string }>((resolve) => consumer.once('failover', resolve));
          fault = options.fault({ producer, consumer, nextDisconnect, sent: () => report.sent, nextFailover }).finally(() => {
            faultDone = true;
            report.sentAtFaultEnd = report.sent;
            end = Math.max(options.total, report.sent + afterFault);
          });
        }
      }
      if (i >= capacity) break;
      const elapsed = performance.now() - tickStart;
      await sleep(Math.max(0, 10 - elapsed));
    }
    await fault;
    await Promise.all(confirmations);
    const deadline = Date.now() + (options.settleTimeoutMs ?? 60_000);
    const missing = () => {
      for (let i = 0; i < report.sent; i++) if (confirmed[i] && counts[i] === 0) return true;
      return false;
    };
    while (missing() && Date.now() < deadline) await sleep(50);
    report.endpoints = { producer: producer.endpoint, consumer: consumer.endpoint };
    // Always, not only when something is missing: what surfaces there (late originals, repeats) is counted too.
    if (options.drainExtra) await options.drainExtra(record(true));
    await sleep(200); // late duplicates, if any, are counted too
    for (let i = 0; i < report.sent; i++) if (confirmed[i] && counts[i] === 0) report.lost.push(i);
    if (errors.length > 0) throw new AggregateError(errors, `clients reported errors: ${errors.map((e) => e.message).join('; ')}`);
    return report;
  } finally {
    await producer.close({ drain: false }).catch(() => undefined);
    await consumer.close({ drain: false }).catch(() => undefined);
  }
}

/**
 * The time of the consumer's next disconnect (`nextDisconnect`, Date.now()), or a failure after
 * 10 × heartbeatMs: a missed detection must not hang the suite.
 */
export function detected(nextDisconnect: Promise<number>, heartbeatMs: number): Promise<number> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<number>((_, reject) => {
    timer = setTimeout(() => reject(new Error('the fault was not detected within 10 × heartbeatMs')), 10 * heartbeatMs);
  });
  return Promise.race([nextDisconnect, timeout]).finally(() => clearTimeout(timer));
}

/**
 * How many order violations the mechanism allows: none when the consumer came back to the broker it
 * was on (nothing died, nothing was taken over); per takeover, what the dead broker had dispatched and not
 * seen acknowledged can come back after newer messages. That is the consumer's prefetch window, twice:
 * ActiveMQ's STOMP subscription keeps a second window in its dispatch list (one CI run counted 200 with
 * prefetch 100 after one SIGKILL).
 */
export function orderBound(report: StreamReport): number {
  return report.takeovers * 2 * PREFETCH;
}

export function summary(report: StreamReport): string {
  return `sent ${report.sent} (fault at ${report.sentAtFault}, over at ${report.sentAtFaultEnd}), confirmed ${report.confirmed}, ` +
    `received ${report.received} (${report.distinct} distinct, ${report.drained} drained of which ${report.drainedFirst} first), ` +
    `lost ${report.lost.length}, duplicates ${report.duplicates} (unflagged ${report.unflaggedDuplicates}, of which originals after their ` +
    `flagged re-send ${report.unflaggedOriginals}), order violations ${report.orderViolations} (bound ${orderBound(report)}, ` +
    (report.keptLate > 0 ? `not counting ${report.keptLate} kept by the broker returned to, ` : '') +
    `${report.takeovers} takeovers), wrong messageIds ${report.wrongMessageIds}, resubscribed ${report.resubscribed}`;
}
