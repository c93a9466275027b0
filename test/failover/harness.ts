/**
 * The fault harness: a producer streams persistent messages at a steady rate to a queue while a
 * consumer drains it; one fault is injected part-way. Every message is then classified the way
 * RabbitMQ's Jepsen suite does: lost (confirmed, never received), duplicated (flagged or not), and
 * order violations among first deliveries.
 */
import { connect, type Client, type ConnectOptions, type Transport } from '../../src/index.js';
import { sleep } from '../support/wait.js';

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
  total: number;
  /** Messages per second the producer offers (default 2000). */
  ratePerSecond?: number;
  /** Called once when a third of the messages were offered. */
  fault(context: FaultContext): Promise<void>;
  /** After the stream: a last chance to fetch messages from elsewhere (e.g. a revived independent broker). */
  drainExtra?(record: (body: string, possibleDuplicate: boolean, messageId: string | undefined) => void): Promise<void>;
  /** Longest wait for the last messages after the producer is done (default 60 s). */
  settleTimeoutMs?: number;
}

export interface FaultContext {
  producer: Client;
  consumer: Client;
  /** Resolves at the consumer's next `disconnected` event, with the time it fired. */
  nextDisconnect: Promise<number>;
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
  orderViolations: number;
  /** Deliveries whose messageId is not the one the producer gave that body (a re-send must keep it). */
  wrongMessageIds: number;
  failovers: Array<{ client: 'producer' | 'consumer'; from: string; to: string; downtimeMs: number }>;
  resubscribed: number;
  faultAt: number;
  disconnectedAt: number | undefined;
}

export async function streamThroughFault(target: StreamTarget, options: StreamOptions): Promise<StreamReport> {
  const open = () =>
    connect({
      transport: target.transport(),
      endpoints: target.endpoints,
      username: target.username,
      password: target.password,
      buffer: { maxMessages: options.total + 1000, maxBytes: 64 * 1024 * 1024 },
      ...target.connectOptions,
    });
  const producer = await open();
  const consumer = await open();
  const report: StreamReport = {
    sent: 0, confirmed: 0, rejected: 0, received: 0, distinct: 0, lost: [], duplicates: 0, unflaggedDuplicates: 0,
    orderViolations: 0, wrongMessageIds: 0, failovers: [], resubscribed: 0, faultAt: 0, disconnectedAt: undefined,
  };
  const counts = new Uint16Array(options.total);
  let highestFirst = -1;
  const record = (body: string, possibleDuplicate: boolean, messageId: string | undefined) => {
    const i = Number(body);
    report.received++;
    if (messageId !== `m-${body}`) report.wrongMessageIds++;
    if (counts[i]! > 0) {
      report.duplicates++;
      if (!possibleDuplicate) report.unflaggedDuplicates++;
    } else {
      if (i < highestFirst) report.orderViolations++;
      highestFirst = Math.max(highestFirst, i);
      report.distinct++;
    }
    counts[i]!++;
  };
  const errors: Error[] = [];
  for (const [name, client] of [['producer', producer], ['consumer', consumer]] as const) {
    client.on('failover', (e) => void report.failovers.push({ client: name, ...e }));
    client.on('error', ({ error }) => void errors.push(error));
  }
  consumer.on('resubscribed', ({ count }) => void (report.resubscribed += count));
  const nextDisconnect = new Promise<number>((resolve) => consumer.once('disconnected', () => resolve(performance.now())));
  nextDisconnect.then((t) => void (report.disconnectedAt = t));

  const decoder = new TextDecoder();
  const onMessage = (m: { bytes: Uint8Array; possibleDuplicate: boolean; messageId: string | undefined }) =>
    record(decoder.decode(m.bytes), m.possibleDuplicate, m.messageId);
  if (options.kind === 'topic') await consumer.subscribe(options.queue, onMessage, { prefetch: 100 });
  else await consumer.consume(options.queue, onMessage, { prefetch: 100 });

  const confirmed = new Uint8Array(options.total);
  const confirmations: Promise<void>[] = [];
  const rate = options.ratePerSecond ?? 2000;
  const perTick = Math.max(1, Math.round(rate / 100));
  const faultIndex = Math.floor(options.total / 3);
  let fault: Promise<void> | undefined;
  try {
    for (let i = 0; i < options.total; ) {
      const tickStart = performance.now();
      for (let k = 0; k < perTick && i < options.total; k++, i++) {
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
          report.faultAt = performance.now();
          fault = options.fault({ producer, consumer, nextDisconnect });
        }
      }
      const elapsed = performance.now() - tickStart;
      await sleep(Math.max(0, 10 - elapsed));
    }
    await fault;
    await Promise.all(confirmations);
    const deadline = Date.now() + (options.settleTimeoutMs ?? 60_000);
    const missing = () => {
      for (let i = 0; i < options.total; i++) if (confirmed[i] && counts[i] === 0) return true;
      return false;
    };
    while (missing() && Date.now() < deadline) await sleep(50);
    if (missing() && options.drainExtra) await options.drainExtra(record);
    await sleep(200); // late duplicates, if any, are counted too
    for (let i = 0; i < options.total; i++) if (confirmed[i] && counts[i] === 0) report.lost.push(i);
    if (errors.length > 0) throw new AggregateError(errors, `clients reported errors: ${errors.map((e) => e.message).join('; ')}`);
    return report;
  } finally {
    await producer.close({ drain: false }).catch(() => undefined);
    await consumer.close({ drain: false }).catch(() => undefined);
  }
}

/**
 * The time of the consumer's next disconnect (`nextDisconnect`), or a failure after 10 × heartbeatMs: a
 * missed detection must not hang the suite.
 */
export function detected(nextDisconnect: Promise<number>, heartbeatMs: number): Promise<number> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<number>((_, reject) => {
    timer = setTimeout(() => reject(new Error('the fault was not detected within 10 × heartbeatMs')), 10 * heartbeatMs);
  });
  return Promise.race([nextDisconnect, timeout]).finally(() => clearTimeout(timer));
}
