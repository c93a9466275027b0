/**
 * Lossless failover under real faults, on an ActiveMQ active/standby pair sharing one KahaDB store
 * (Amazon MQ's topology), for MQTT and STOMP. Each scenario streams persistent messages at a steady
 * rate while one fault is injected, then classifies every message (see harness.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Transport } from '../../src/index.js';
import { mqtt } from '../../src/transports/mqtt/index.js';
import { stomp } from '../../src/transports/stomp/index.js';
import { startActiveMQPair, type ActiveMQPair, type Broker } from '../support/brokers.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { randomName } from '../support/wait.js';
import { detected, streamThroughFault, type FaultContext, type StreamReport } from './harness.js';

const HEARTBEAT_MS = 2000;
const TOTAL = 10_000;

let pair: ActiveMQPair;
beforeAll(async () => {
  pair = await startActiveMQPair();
}, 180_000);
afterAll(async () => {
  await pair?.dispose();
});

async function activeBroker(): Promise<{ active: Broker; standby: Broker }> {
  const which = await pair.waitForActive(30_000);
  return which === 'a' ? { active: pair.a, standby: pair.b } : { active: pair.b, standby: pair.a };
}

/** Brings a stopped or killed broker back; the other one holds the store, so it returns as standby. */
async function backAsStandby(broker: Broker): Promise<void> {
  await broker.start();
}

type Fault = (context: FaultContext) => Promise<{ detectionMs?: number; after?: () => Promise<void> }>;

/** The silent partition runs through a fault proxy in front of each broker: these, while it runs. */
const proxyOf = new Map<Broker, FaultProxy>();
const SILENT_PARTITION = 'silent network partition of the active broker (every packet dropped), healed';

const faults: Record<string, Fault> = {
  'SIGKILL of the active broker': async () => {
    const { active } = await activeBroker();
    await active.kill();
    return { after: () => backAsStandby(active) };
  },
  'graceful stop of the active broker (maintenance)': async () => {
    const { active } = await activeBroker();
    await active.stop();
    return { after: () => backAsStandby(active) };
  },
  'hang of the active broker, detected by heartbeat': async ({ nextDisconnect }) => {
    const { active } = await activeBroker();
    const hungAt = performance.now();
    await active.pause();
    // A frozen broker keeps its store lock, so the standby cannot take over until it dies: kill it,
    // as a broker watchdog would (also when detection failed, so the pair is usable again).
    const detectedAt = await detected(nextDisconnect, HEARTBEAT_MS).finally(() => active.kill());
    return { detectionMs: detectedAt - hungAt, after: () => backAsStandby(active) };
  },
  'network partition of the active broker, healed': async ({ nextDisconnect }) => {
    const { active } = await activeBroker();
    const cutAt = performance.now();
    await active.disconnectNetwork();
    const detectedAt = await detected(nextDisconnect, HEARTBEAT_MS).finally(() => active.reconnectNetwork());
    return { detectionMs: detectedAt - cutAt };
  },
  // docker network disconnect (above) closes the sockets, so the client hears of it at once; a real
  // partition is silent: nothing arrives, not even a RST, and only the heartbeat can tell.
  [SILENT_PARTITION]: async ({ nextDisconnect }) => {
    const { active } = await activeBroker();
    const proxy = proxyOf.get(active)!;
    const cutAt = performance.now();
    void proxy.blackhole();
    // The active broker keeps the store lock meanwhile, so the client comes back to it once healed.
    const detectedAt = await detected(nextDisconnect, HEARTBEAT_MS).finally(() => proxy.pass());
    return { detectionMs: detectedAt - cutAt };
  },
  'failback: old active returns as standby, then the new active dies': async () => {
    const { active: first, standby: second } = await activeBroker();
    await first.kill();
    await pair.waitForActive(30_000);
    await backAsStandby(first);
    await second.kill();
    expect(await pair.waitForActive(30_000)).toBe(first === pair.a ? 'a' : 'b');
    return { after: () => backAsStandby(second) };
  },
};

const protocols: Array<{ name: string; protocol: 'mqtt' | 'stomp'; transport: () => Transport; kind: 'queue' | 'topic'; endpoints: () => string[] }> = [
  // MQTT 3.1.1 has no queues: a topic subscription in a persistent session, which ActiveMQ keeps in the shared
  // store. It has no headers either: the envelope carries messageId and the possible-duplicate flag of a
  // producer's re-send (without it, re-sent duplicates arrive unflagged; see docs/protocols.md).
  { name: 'MQTT 3.1.1 (envelope)', protocol: 'mqtt', transport: () => mqtt({ envelope: true }), kind: 'topic', endpoints: () => pair.endpoints.mqtt! },
  { name: 'STOMP', protocol: 'stomp', transport: () => stomp(), kind: 'queue', endpoints: () => pair.endpoints.stomp! },
];

function summary(report: StreamReport): string {
  return `sent ${report.sent}, confirmed ${report.confirmed}, received ${report.received} (${report.distinct} distinct), ` +
    `lost ${report.lost.length}, duplicates ${report.duplicates} (unflagged ${report.unflaggedDuplicates}), order violations ${report.orderViolations}, ` +
    `wrong messageIds ${report.wrongMessageIds}, resubscribed ${report.resubscribed}`;
}

describe.each(protocols)('failover on the ActiveMQ pair: $name', (protocol) => {
  it.each(Object.keys(faults))('%s: nothing confirmed is lost', async (faultName) => {
    let detail: Awaited<ReturnType<Fault>> = {};
    let endpoints = protocol.endpoints();
    if (faultName === SILENT_PARTITION) {
      for (const broker of [pair.a, pair.b]) proxyOf.set(broker, await startFaultProxy('127.0.0.1', broker.ports[protocol.protocol]!));
      endpoints = [pair.a, pair.b].map((broker) => proxyOf.get(broker)!.url(protocol.protocol));
    }
    const report = await streamThroughFault(
      { transport: protocol.transport, endpoints, connectOptions: { heartbeatMs: HEARTBEAT_MS } },
      {
        queue: randomName('failover'),
        kind: protocol.kind,
        total: TOTAL,
        ratePerSecond: 2000,
        fault: async (context) => {
          detail = await faults[faultName]!(context);
        },
      },
    ).finally(async () => {
      await Promise.all([...proxyOf.values()].map((proxy) => proxy.close()));
      proxyOf.clear();
    });
    console.log(`[${protocol.name}] ${faultName}: ${summary(report)}; failovers ${JSON.stringify(report.failovers)}` +
      (detail.detectionMs !== undefined ? `; detected after ${Math.round(detail.detectionMs)} ms` : ''));
    await detail.after?.();
    expect(report.confirmed).toBe(TOTAL);
    expect(report.lost).toEqual([]);
    expect(report.distinct).toBe(TOTAL);
    expect(report.unflaggedDuplicates).toBe(0);
    expect(report.wrongMessageIds).toBe(0);
    // Order is counted (see the log line), not required: ActiveMQ does not keep it across a takeover. Messages
    // it had dispatched to the consumer's prefetch window, unreceived when the broker died, can come back after
    // newer ones (one CI run: 200 with prefetch 100, SIGKILL, STOMP; most runs: 0).
    expect(report.resubscribed).toBeGreaterThanOrEqual(1);
    if (detail.detectionMs !== undefined) expect(detail.detectionMs).toBeLessThanOrEqual(1.5 * HEARTBEAT_MS + 500);
  }, 240_000);
});
