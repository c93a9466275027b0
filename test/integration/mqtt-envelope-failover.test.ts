/**
 * Why the MQTT 3.1.1 envelope exists: on an ActiveMQ active/standby pair (Amazon MQ's topology, which
 * speaks MQTT 3.1.1 only), a producer's re-sends after a failover cannot carry the possible-duplicate
 * flag without it (test/failover/activemq-pair.test.ts counts them as unflagged). With
 * mqtt({ envelope: true }) on both sides, every duplicate is flagged, and nothing confirmed is lost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mqtt } from '../../src/transports/mqtt/index.js';
import { startActiveMQPair, type ActiveMQPair } from '../support/brokers.js';
import { randomName } from '../support/wait.js';
import { streamThroughFault } from '../failover/harness.js';

const TOTAL = 10_000;
let pair: ActiveMQPair;

beforeAll(async () => {
  pair = await startActiveMQPair();
}, 180_000);
afterAll(async () => {
  await pair?.dispose();
});

describe('MQTT 3.1.1 with the envelope on the ActiveMQ pair', () => {
  it('SIGKILL of the active broker: nothing confirmed is lost, and every duplicate is flagged', async () => {
    const report = await streamThroughFault(
      { transport: () => mqtt({ envelope: true }), endpoints: pair.endpoints.mqtt!, connectOptions: { heartbeatMs: 2000 } },
      {
        queue: randomName('envelope-failover'),
        kind: 'topic',
        total: TOTAL,
        ratePerSecond: 2000,
        fault: async () => {
          const active = (await pair.waitForActive(30_000)) === 'a' ? pair.a : pair.b;
          await active.kill();
        },
      },
    );
    console.log(`[MQTT 3.1.1 + envelope] SIGKILL: sent ${report.sent}, confirmed ${report.confirmed}, received ${report.received} ` +
      `(${report.distinct} distinct), lost ${report.lost.length}, duplicates ${report.duplicates} (unflagged ${report.unflaggedDuplicates})`);
    expect(report.confirmed).toBe(TOTAL);
    expect(report.lost).toEqual([]);
    expect(report.distinct).toBe(TOTAL);
    expect(report.unflaggedDuplicates).toBe(0);
  }, 240_000);
});
