/**
 * Endpoint failover without a shared store: two independent RabbitMQ brokers, AMQP 1.0, under the same
 * five faults as the ActiveMQ pair. The client moves to the other broker at once; messages a dead broker
 * had confirmed but not delivered stay in its store until it returns, and are drained from it then (see
 * docs/failover.md, "Two independent brokers"). Nothing is lost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/index.js';
import { amqp } from '../../src/transports/amqp/index.js';
import { amqpAnswers, startRabbitMQ, type Broker } from '../support/brokers.js';
import { randomName, sleep } from '../support/wait.js';
import { detected, streamThroughFault, type FaultContext } from './harness.js';

const TOTAL = 10_000;
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

type Fault = (context: FaultContext) => Promise<{ detectionMs?: number }>;

const faults: Record<string, Fault> = {
  'SIGKILL of the first broker': async () => {
    await a.kill();
    return {};
  },
  'graceful stop of the first broker (maintenance)': async () => {
    await a.stop();
    return {};
  },
  'hang of the first broker, detected by heartbeat': async ({ nextDisconnect }) => {
    const hungAt = performance.now();
    await a.pause();
    const detectedAt = await detected(nextDisconnect, HEARTBEAT_MS).finally(() => a.unpause());
    return { detectionMs: detectedAt - hungAt };
  },
  'network partition of the first broker, healed': async ({ nextDisconnect }) => {
    const cutAt = performance.now();
    await a.disconnectNetwork();
    const detectedAt = await detected(nextDisconnect, HEARTBEAT_MS).finally(() => a.reconnectNetwork());
    return { detectionMs: detectedAt - cutAt };
  },
  'failback: the first broker returns, then the second dies': async ({ consumer }) => {
    const onSecond = new Promise((resolve) => consumer.once('failover', resolve));
    await a.kill();
    await onSecond;
    await a.start();
    const backOnFirst = new Promise<{ to: string }>((resolve) => consumer.once('failover', resolve));
    await b.kill();
    expect((await backOnFirst).to).toBe(a.endpoints.amqp);
    return {};
  },
};

describe('failover between two independent RabbitMQ brokers: AMQP 1.0', () => {
  it.each(Object.keys(faults))('%s: nothing confirmed is lost once it returns', async (faultName) => {
    // The clients must start on the first broker, so that the fault hits the broker they use.
    await Promise.all([ensureUp(a), ensureUp(b)]);
    const queue = randomName('independent');
    let detail: Awaited<ReturnType<Fault>> = {};
    const report = await streamThroughFault(
      {
        transport: () => amqp(),
        endpoints: [a.endpoints.amqp!, b.endpoints.amqp!],
        username: 'guest',
        password: 'guest',
        connectOptions: { heartbeatMs: HEARTBEAT_MS },
      },
      {
        queue,
        total: TOTAL,
        ratePerSecond: 2000,
        fault: async (context) => {
          detail = await faults[faultName]!(context);
        },
        settleTimeoutMs: 5000,
        // A broker that died keeps what it had stored: bring both back and drain them directly.
        drainExtra: async (record) => {
          await Promise.all([ensureUp(a), ensureUp(b)]);
          for (const broker of [a, b]) {
            const drain = await connect({ transport: amqp(), endpoints: [broker.endpoints.amqp!], username: 'guest', password: 'guest' });
            let last = Date.now();
            await drain.consume(queue, (m) => {
              last = Date.now();
              record(new TextDecoder().decode(m.bytes), m.possibleDuplicate, m.messageId);
            });
            while (Date.now() - last < 2000) await sleep(100);
            await drain.close({ drain: false });
          }
        },
      },
    );
    console.log(`[AMQP, independent] ${faultName}: sent ${report.sent}, confirmed ${report.confirmed}, received ${report.received} ` +
      `(${report.distinct} distinct), lost ${report.lost.length}, duplicates ${report.duplicates} (unflagged ${report.unflaggedDuplicates}), ` +
      `wrong messageIds ${report.wrongMessageIds}, resubscribed ${report.resubscribed}` +
      (detail.detectionMs !== undefined ? `; detected after ${Math.round(detail.detectionMs)} ms` : ''));
    expect(report.confirmed).toBe(TOTAL);
    expect(report.lost).toEqual([]);
    expect(report.distinct).toBe(TOTAL);
    expect(report.unflaggedDuplicates).toBe(0);
    expect(report.wrongMessageIds).toBe(0);
    expect(report.resubscribed).toBeGreaterThanOrEqual(1);
    if (detail.detectionMs !== undefined) expect(detail.detectionMs).toBeLessThanOrEqual(1.5 * HEARTBEAT_MS + 500);
  }, 240_000);
});
