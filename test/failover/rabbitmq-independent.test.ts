/**
 * Endpoint failover without a shared store: two independent RabbitMQ brokers, AMQP 1.0. The client
 * moves to the other broker at once; messages the dead broker had confirmed but not delivered stay in
 * its store until it returns, and are drained from it then (see docs/failover.md). Nothing is lost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/index.js';
import { amqp } from '../../src/transports/amqp/index.js';
import { amqpAnswers, startRabbitMQ, type Broker } from '../support/brokers.js';
import { randomName, sleep } from '../support/wait.js';
import { streamThroughFault } from './harness.js';

const TOTAL = 10_000;
let a: Broker;
let b: Broker;

beforeAll(async () => {
  [a, b] = await Promise.all([startRabbitMQ(), startRabbitMQ()]);
}, 180_000);
afterAll(async () => {
  await Promise.all([a?.dispose(), b?.dispose()]);
});

describe('failover between two independent RabbitMQ brokers: AMQP 1.0', () => {
  const HEARTBEAT_MS = 2000;
  it.each([
    ['SIGKILL', (broker: Broker) => broker.kill(), (broker: Broker) => broker.start()],
    ['graceful stop', (broker: Broker) => broker.stop(), (broker: Broker) => broker.start()],
  ] as const)('%s of the first broker: nothing confirmed is lost once it returns', async (_name, fault, revive) => {
    const queue = randomName('independent');
    let detectionMs: number | undefined;
    // The clients must start on the first broker, so the fault hits the broker they use. An earlier case
    // leaves it down when nothing had to be drained from it (drainExtra runs only when messages are missing).
    if (!(await amqpAnswers(a.endpoints.amqp!, 1000))) await a.start();
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
        fault: async ({ nextDisconnect }) => {
          const at = performance.now();
          await fault(a);
          const lostAt = await Promise.race([nextDisconnect, sleep(10 * HEARTBEAT_MS).then(() => Number.NaN)]);
          detectionMs = lostAt - at;
        },
        settleTimeoutMs: 5000,
        // The first broker comes back with what it had stored: drain it directly.
        drainExtra: async (record) => {
          await revive(a);
          const drain = await connect({ transport: amqp(), endpoints: [a.endpoints.amqp!], username: 'guest', password: 'guest' });
          let last = Date.now();
          await drain.consume(queue, (m) => {
            last = Date.now();
            record(new TextDecoder().decode(m.bytes), m.possibleDuplicate);
          });
          while (Date.now() - last < 2000) await sleep(100);
          await drain.close({ drain: false });
        },
      },
    );
    console.log(`[AMQP, independent] ${_name}: sent ${report.sent}, confirmed ${report.confirmed}, received ${report.received} ` +
      `(${report.distinct} distinct), lost ${report.lost.length}, duplicates ${report.duplicates} (unflagged ${report.unflaggedDuplicates}); lost connection after ${Math.round(detectionMs ?? -1)} ms`);
    expect(report.confirmed).toBe(TOTAL);
    expect(report.lost).toEqual([]);
    expect(report.distinct).toBe(TOTAL);
    expect(report.unflaggedDuplicates).toBe(0);
    expect(detectionMs).toBeLessThanOrEqual(1.5 * HEARTBEAT_MS + 500);
  }, 240_000);
});
