/**
 * Endpoint failover without a shared store: two independent RabbitMQ brokers, AMQP 1.0, under the same
 * six faults as the ActiveMQ pair. The client moves to the other broker at once; messages a dead broker
 * had confirmed but not delivered stay in its store until it returns. After every scenario both brokers
 * are drained directly, whether or not something is missing, so that whatever surfaces there (late
 * originals, repeats) is counted (see docs/failover.md, "Two independent brokers"). Nothing is lost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/index.js';
import { amqp } from '../../src/transports/amqp/index.js';
import { amqpAnswers, startRabbitMQ, type Broker } from '../support/brokers.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { randomName, sleep } from '../support/wait.js';
import { detected, orderBound, streamThroughFault, summary, type FaultContext } from './harness.js';

const TOTAL = 3000;
const AFTER_FAULT = 1000;
const HEARTBEAT_MS = 2000;
let a: Broker;
let b: Broker;

beforeAll(async () => {
  [a, b] = await Promise.all([startRabbitMQ(), startRabbitMQ()]);
}, 180_000);
afterAll(async () => {
  await Promise.all([a?.dispose(), b?.dispose()]);
});

/** Starts `broker` again if a fault left it down (start() waits until it answers). */
async function ensureUp(broker: Broker): Promise<void> {
  if (!(await amqpAnswers(broker.endpoints.amqp!, 1000))) await broker.start();
}

interface FaultDetail {
  detectionMs?: number;
  failback?: { sentAtFirstFault: number; sentAtSecondFault: number };
}
type Fault = (context: FaultContext) => Promise<FaultDetail>;

/** The silent partition runs through a fault proxy in front of each broker: these, while it runs. */
const proxyOf = new Map<Broker, FaultProxy>();
const SILENT_PARTITION = 'silent network partition of the first broker (every packet dropped), healed';
const HANG = 'hang of the first broker, detected by heartbeat';
const PARTITION = 'network partition of the first broker, healed';
const FAILBACK = 'failback: the first broker returns, then the second dies';

const faults: Record<string, Fault> = {
  'SIGKILL of the first broker': async ({ nextFailover }) => {
    const moved = nextFailover();
    await a.kill();
    await moved;
    return {};
  },
  'graceful stop of the first broker (maintenance)': async ({ nextFailover }) => {
    const moved = nextFailover();
    await a.stop();
    await moved;
    return {};
  },
  [HANG]: async ({ nextDisconnect, nextFailover }) => {
    const moved = nextFailover();
    const hungAt = await a.pause();
    const detectedAt = await detected(nextDisconnect, HEARTBEAT_MS).finally(() => a.unpause());
    await moved;
    return { detectionMs: detectedAt - hungAt };
  },
  [PARTITION]: async ({ nextDisconnect, nextFailover }) => {
    const moved = nextFailover();
    const cutAt = await a.disconnectNetwork();
    const detectedAt = await detected(nextDisconnect, HEARTBEAT_MS).finally(() => a.reconnectNetwork());
    await moved;
    return { detectionMs: detectedAt - cutAt };
  },
  // Nothing arrives, not even a RST: only the heartbeat can tell. What the client sent into the partition
  // reaches the first broker when it heals; the client has re-sent it, flagged, to the second meanwhile.
  [SILENT_PARTITION]: async ({ nextDisconnect, nextFailover }) => {
    const proxy = proxyOf.get(a)!;
    const moved = nextFailover();
    const cutAt = Date.now();
    void proxy.blackhole();
    const detectedAt = await detected(nextDisconnect, HEARTBEAT_MS).finally(() => proxy.pass());
    await moved;
    return { detectionMs: detectedAt - cutAt };
  },
  [FAILBACK]: async ({ nextFailover, sent }) => {
    const sentAtFirstFault = sent();
    const toSecond = nextFailover();
    await a.kill();
    await toSecond;
    await a.start();
    const sentAtSecondFault = sent();
    const backToFirst = nextFailover();
    await b.kill();
    await backToFirst;
    return { failback: { sentAtFirstFault, sentAtSecondFault } };
  },
};

describe('failover between two independent RabbitMQ brokers: AMQP 1.0', () => {
/** The bodies each broker still holds on `queue` (read with a fresh consumer until 500 ms pass without one). */
async function leftOn(brokers: Broker[], queue: string): Promise<number[][]> {
  const left: number[][] = [];
  for (const broker of brokers) {
    await ensureUp(broker); // the drain brings both back; without it, a stopped broker would hold this up
    const client = await connect({ transport: amqp(), endpoints: [broker.endpoints.amqp!], username: 'guest', password: 'guest' });
    const bodies: number[] = [];
    let last = Date.now();
    await client.consume(queue, (m) => {
      bodies.push(Number(new TextDecoder().decode(m.bytes)));
      last = Date.now();
    });
    while (Date.now() - last < 500) await sleep(50);
    await client.close({ drain: false });
    left.push(bodies);
  }
  return left;
}

  it.each(Object.keys(faults))('%s: nothing confirmed is lost once it returns', async (faultName) => {
    // The clients must start on the first broker, so that the fault hits the broker they use.
    await Promise.all([ensureUp(a), ensureUp(b)]);
    let endpoints = [a.endpoints.amqp!, b.endpoints.amqp!];
    if (faultName === SILENT_PARTITION) {
      for (const broker of [a, b]) proxyOf.set(broker, await startFaultProxy('127.0.0.1', broker.ports.amqp!));
      endpoints = [a, b].map((broker) => proxyOf.get(broker)!.url('amqp'));
    }
    const queue = randomName('independent');
    let detail: FaultDetail = {};
    const report = await streamThroughFault(
      {
        transport: () => amqp(),
        endpoints,
        username: 'guest',
        password: 'guest',
        connectOptions: { heartbeatMs: HEARTBEAT_MS },
      },
      {
        queue,
        total: TOTAL,
        afterFault: AFTER_FAULT,
        ratePerSecond: 2000,
        fault: async (context) => {
          detail = await faults[faultName]!(context);
        },
        settleTimeoutMs: 5000,
        independentBrokers: true,
        // A broker that died keeps what it had stored: bring both back and drain them directly, always.
        drainExtra: async (record) => {
          await Promise.all([...proxyOf.values()].map((proxy) => proxy.close()));
          proxyOf.clear();
          await Promise.all([ensureUp(a), ensureUp(b)]);
          for (const broker of [a, b]) {
            const drain = await connect({ transport: amqp(), endpoints: [broker.endpoints.amqp!], username: 'guest', password: 'guest' });
            let last = Date.now();
            await drain.consume(queue, (m) => {
              last = Date.now();
              record(new TextDecoder().decode(m.bytes), m.possibleDuplicate, m.messageId);
            });
            while (Date.now() - last < 1000) await sleep(100);
            await drain.close({ drain: false });
          }
        },
      },
    ).finally(async () => {
      await Promise.all([...proxyOf.values()].map((proxy) => proxy.close()));
      proxyOf.clear();
    });
    console.log(`[AMQP, independent] ${faultName}: ${summary(report)}; failovers ${JSON.stringify(report.failovers)}` +
      (detail.detectionMs !== undefined ? `; detected ${Math.round(detail.detectionMs)} ms after the fault took effect` : ''));
    // Every message either broker kept was counted: nothing is left on them after the drain. Read before
    // any assertion: if something is missing, this says whether a broker still holds it (a consumer that
    // stalled with it unacked) or it is gone. The consumer is closed by now.
    const left = await leftOn([a, b], queue);
    expect(report.confirmed).toBe(report.sent);
    expect({ lost: report.lost, leftOnBrokers: left }).toEqual({ lost: [], leftOnBrokers: [[], []] });
    expect(report.distinct).toBe(report.sent);
    // Every duplicate is flagged, except an original that the first broker stored while its confirmation
    // never came back (a stop, a partition, a hang: the stream was in flight): the flagged re-send went to
    // the second broker, and the original surfaces unflagged when the first is drained, after it. Counted,
    // and de-duplicated by messageId (docs/failover.md). Every one of them comes from that drain.
    expect(report.unflaggedDuplicates - report.unflaggedOriginals).toBe(0);
    expect(report.unflaggedOriginals).toBeLessThanOrEqual(report.drained);
    expect(report.wrongMessageIds).toBe(0);
    expect(report.sentAtFault).toBeGreaterThan(0);
    expect(report.sent - report.sentAtFaultEnd).toBeGreaterThanOrEqual(AFTER_FAULT);
    // Every fault moves the consumer to the other broker. Drained messages come late by design, and so do
    // those that the first broker kept while away and delivers once the consumer is back (failback): neither
    // is counted; among the consumer's other deliveries the bound of orderBound() holds.
    expect(report.takeovers).toBeGreaterThanOrEqual(1);
    expect(report.orderViolations).toBeLessThanOrEqual(orderBound(report));
    if (!detail.failback) expect(report.keptLate).toBe(0);
    expect(report.resubscribed).toBeGreaterThanOrEqual(1);
    if (detail.detectionMs !== undefined) expect(detail.detectionMs).toBeLessThanOrEqual(1.5 * HEARTBEAT_MS + 500);
    if (detail.failback) {
      const { sentAtFirstFault, sentAtSecondFault } = detail.failback;
      expect(sentAtSecondFault).toBeGreaterThan(sentAtFirstFault);
      for (const client of ['consumer', 'producer'] as const) {
        // A reconnection to the same broker is not a move (see activemq-pair.ts).
        expect(report.failovers.filter((f) => f.client === client && f.from !== f.to).map((f) => f.to)).toEqual([endpoints[1], endpoints[0]]);
      }
      expect(report.endpoints).toEqual({ producer: endpoints[0], consumer: endpoints[0] });
    }
  }, 240_000);
});
