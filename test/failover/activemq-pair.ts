/**
 * Lossless failover under real faults, on an ActiveMQ active/standby pair sharing one KahaDB store
 * (Amazon MQ's topology). Each scenario streams persistent messages at a steady rate while one fault is
 * injected, then classifies every message (see harness.ts). Each fault returns once the client has
 * recovered from it, so the stream keeps flowing through every step of it and goes on for a while after.
 *
 * One test file per protocol (activemq-pair-mqtt.test.ts, activemq-pair-stomp.test.ts), each on a pair of
 * its own: npm test runs them at the same time, as the pair spends most of its time restarting brokers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Transport } from '../../src/index.js';
import { mqtt } from '../../src/transports/mqtt/index.js';
import { stomp } from '../../src/transports/stomp/index.js';
import { startActiveMQPair, type ActiveMQPair, type Broker } from '../support/brokers.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { randomName } from '../support/wait.js';
import { detected, orderBound, streamThroughFault, summary, type FaultContext } from './harness.js';

const HEARTBEAT_MS = 2000;
/** At least this many messages per scenario; the stream also lasts as long as the fault, plus AFTER_FAULT. */
const TOTAL = 3000;
const AFTER_FAULT = 1000;

let pair: ActiveMQPair;

async function activeBroker(): Promise<{ active: Broker; standby: Broker }> {
  const which = await pair.waitForActive(30_000);
  return which === 'a' ? { active: pair.a, standby: pair.b } : { active: pair.b, standby: pair.a };
}

/** Brings a stopped or killed broker back; the other one holds the store, so it returns as standby. */
async function backAsStandby(broker: Broker): Promise<void> {
  await broker.start();
}

interface FaultDetail {
  /** From the instant the fault took effect (the engine's event, the proxy's switch) to the consumer's disconnect. */
  detectionMs?: number;
  after?: () => Promise<void>;
  /** Failback: the broker the client must be back on, and where the stream was when the second fault hit. */
  failback?: { first: Broker; second: Broker; sentAtSecondFault: number; sentAtFirstFault: number };
}
type Fault = (context: FaultContext) => Promise<FaultDetail>;

/** The silent partition runs through a fault proxy in front of each broker: these, while it runs. */
const proxyOf = new Map<Broker, FaultProxy>();
const SILENT_PARTITION = 'silent network partition of the active broker (every packet dropped), healed';
const FAILBACK = 'failback: old active returns as standby, then the new active dies';
/** Faults after which the consumer is back on the broker it was on: nothing died, nothing was taken over. */
const NOTHING_DIED = new Set(['network partition of the active broker, healed', SILENT_PARTITION]);

const faults: Record<string, Fault> = {
  'SIGKILL of the active broker': async ({ nextFailover }) => {
    const { active } = await activeBroker();
    const moved = nextFailover();
    await active.kill();
    await moved;
    return { after: () => backAsStandby(active) };
  },
  'graceful stop of the active broker (maintenance)': async ({ nextFailover }) => {
    const { active } = await activeBroker();
    const moved = nextFailover();
    await active.stop();
    await moved;
    return { after: () => backAsStandby(active) };
  },
  'hang of the active broker, detected by heartbeat': async ({ nextDisconnect, nextFailover }) => {
    const { active } = await activeBroker();
    const moved = nextFailover();
    const hungAt = await active.pause();
    // A frozen broker keeps its store lock, so the standby cannot take over until it dies: kill it,
    // as a broker watchdog would (also when detection failed, so the pair is usable again).
    const detectedAt = await detected(nextDisconnect, HEARTBEAT_MS).finally(() => active.kill());
    await moved;
    return { detectionMs: detectedAt - hungAt, after: () => backAsStandby(active) };
  },
  'network partition of the active broker, healed': async ({ nextDisconnect, nextFailover }) => {
    const { active } = await activeBroker();
    const moved = nextFailover();
    const cutAt = await active.disconnectNetwork();
    const detectedAt = await detected(nextDisconnect, HEARTBEAT_MS).finally(() => active.reconnectNetwork());
    await moved;
    return { detectionMs: detectedAt - cutAt };
  },
  // docker network disconnect (above) closes the sockets, so the client hears of it at once; a real
  // partition is silent: nothing arrives, not even a RST, and only the heartbeat can tell.
  [SILENT_PARTITION]: async ({ nextDisconnect, nextFailover }) => {
    const { active } = await activeBroker();
    const proxy = proxyOf.get(active)!;
    const moved = nextFailover();
    const cutAt = Date.now();
    void proxy.blackhole();
    // The active broker keeps the store lock meanwhile, so the client comes back to it once healed.
    const detectedAt = await detected(nextDisconnect, HEARTBEAT_MS).finally(() => proxy.pass());
    await moved;
    return { detectionMs: detectedAt - cutAt };
  },
  [FAILBACK]: async ({ nextFailover, sent }) => {
    const { active: first, standby: second } = await activeBroker();
    const sentAtFirstFault = sent();
    const toSecond = nextFailover();
    await first.kill();
    await toSecond;
    await backAsStandby(first);
    const sentAtSecondFault = sent();
    const backToFirst = nextFailover();
    await second.kill();
    await backToFirst;
    expect(await pair.waitForActive(30_000)).toBe(first === pair.a ? 'a' : 'b');
    return { after: () => backAsStandby(second), failback: { first, second, sentAtFirstFault, sentAtSecondFault } };
  },
};

interface PairProtocol { name: string; protocol: 'mqtt' | 'stomp'; transport: () => Transport; kind: 'queue' | 'topic'; endpoints: () => string[] }

export const protocols = {
  // MQTT 3.1.1 has no queues: a topic subscription in a persistent session, which ActiveMQ keeps in the shared
  // store. It has no headers either: the envelope carries messageId and the possible-duplicate flag of a
  // producer's re-send (without it, re-sent duplicates arrive unflagged; see docs/protocols.md).
  mqtt: { name: 'MQTT 3.1.1 (envelope)', protocol: 'mqtt', transport: () => mqtt({ envelope: true }), kind: 'topic', endpoints: () => pair.endpoints.mqtt! },
  stomp: { name: 'STOMP', protocol: 'stomp', transport: () => stomp(), kind: 'queue', endpoints: () => pair.endpoints.stomp! },
} satisfies Record<string, PairProtocol>;

/** Every fault, on a pair started for this test file, for one protocol. */
export function pairSuite(protocol: PairProtocol): void {
  beforeAll(async () => {
    pair = await startActiveMQPair();
  }, 180_000);
  afterAll(async () => {
    await pair?.dispose();
  });
  describe(`failover on the ActiveMQ pair: ${protocol.name}`, () => pairCases(protocol));
}

function pairCases(protocol: PairProtocol): void {
  it.each(Object.keys(faults))('%s: nothing confirmed is lost', async (faultName) => {
    await pair.heal();
    let detail: FaultDetail = {};
    let endpoints = protocol.endpoints();
    if (faultName === SILENT_PARTITION) {
      for (const broker of [pair.a, pair.b]) proxyOf.set(broker, await startFaultProxy('127.0.0.1', broker.ports[protocol.protocol]!));
      endpoints = [pair.a, pair.b].map((broker) => proxyOf.get(broker)!.url(protocol.protocol));
    }
    const endpointOf = (broker: Broker) => endpoints[broker === pair.a ? 0 : 1];
    const report = await streamThroughFault(
      { transport: protocol.transport, endpoints, connectOptions: { heartbeatMs: HEARTBEAT_MS } },
      {
        queue: randomName('failover'),
        kind: protocol.kind,
        total: TOTAL,
        afterFault: AFTER_FAULT,
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
      (detail.detectionMs !== undefined ? `; detected ${Math.round(detail.detectionMs)} ms after the fault took effect` : ''));
    await detail.after?.();
    expect(report.confirmed).toBe(report.sent);
    expect(report.lost).toEqual([]);
    expect(report.distinct).toBe(report.sent);
    expect(report.unflaggedDuplicates).toBe(0);
    expect(report.wrongMessageIds).toBe(0);
    // The fault landed mid-stream, and the stream went on after the client had recovered.
    expect(report.sentAtFault).toBeGreaterThan(0);
    expect(report.sent - report.sentAtFaultEnd).toBeGreaterThanOrEqual(AFTER_FAULT);
    // Order: see orderBound(). Where nothing died the consumer comes back to the same broker: no violation at all.
    if (NOTHING_DIED.has(faultName)) expect(report.takeovers).toBe(0);
    else expect(report.takeovers).toBeGreaterThanOrEqual(1);
    expect(report.orderViolations).toBeLessThanOrEqual(orderBound(report));
    expect(report.resubscribed).toBeGreaterThanOrEqual(1);
    if (detail.detectionMs !== undefined) expect(detail.detectionMs).toBeLessThanOrEqual(1.5 * HEARTBEAT_MS + 500);
    if (detail.failback) {
      const { first, second, sentAtFirstFault, sentAtSecondFault } = detail.failback;
      // Each kill hit a flowing stream, and the client moved over and back: events and final endpoints.
      // A reconnection to the same broker (one taking over may drop a connection it accepted while starting)
      // is not a move, and is left out; nothing may be lost or unflagged over it either (asserted above).
      expect(sentAtSecondFault).toBeGreaterThan(sentAtFirstFault);
      for (const client of ['consumer', 'producer'] as const) {
        expect(report.failovers.filter((f) => f.client === client && f.from !== f.to).map((f) => f.to)).toEqual([endpointOf(second), endpointOf(first)]);
      }
      expect(report.endpoints).toEqual({ producer: endpointOf(first), consumer: endpointOf(first) });
    }
  }, 240_000);
}
