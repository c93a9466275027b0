/**
 * Why the MQTT 3.1.1 envelope exists: after a connection loss the core re-sends unconfirmed publishes
 * flagged as possible duplicates, and MQTT 3.1.1 has no header to carry that flag
 * (test/failover/activemq-pair-mqtt.test.ts counts such re-sends as unflagged duplicates). Here only the
 * producer's connection is cut (a fault proxy resets it mid-stream), so every duplicate the consumer
 * sees is a producer re-send: with mqtt({ envelope: true }) on both sides, each one is flagged, on
 * ActiveMQ (Amazon MQ speaks MQTT 3.1.1 only) and RabbitMQ.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connect, type Client } from '../../src/index.js';
import { mqtt } from '../../src/transports/mqtt/index.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { sharedBroker } from '../support/shared-brokers.js';
import { eventually, randomName, sleep } from '../support/wait.js';

const TOTAL = 3000;
const clients: Client[] = [];
let proxy: FaultProxy | undefined;
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close({ drain: false }).catch(() => undefined)));
  await proxy?.close();
  proxy = undefined;
});

describe.each(['activemq', 'rabbitmq'] as const)('MQTT 3.1.1 with the envelope on %s', (kind) => {
  it('flags every duplicate a producer re-sends after its connection was cut, and loses nothing', async () => {
    const broker = sharedBroker(kind);
    proxy = await startFaultProxy('127.0.0.1', broker.ports.mqtt!);
    const options = { username: broker.username, password: broker.password, heartbeatMs: 1000, buffer: { maxMessages: TOTAL } };
    const consumer = await connect({ ...options, transport: mqtt({ envelope: true }), endpoints: [broker.endpoints.mqtt!] });
    const producer = await connect({ ...options, transport: mqtt({ envelope: true }), endpoints: [proxy.url('mqtt')] });
    clients.push(consumer, producer);
    const topic = randomName('resend');
    const copies = new Map<number, number>();
    let unflagged = 0;
    await consumer.subscribe(topic, (m) => {
      const i = Number(new TextDecoder().decode(m.bytes));
      const seen = copies.get(i) ?? 0;
      if (seen > 0 && !m.possibleDuplicate) unflagged++;
      copies.set(i, seen + 1);
    });
    let reconnected = 0;
    producer.on('connected', () => void reconnected++);
    const confirmations: Promise<void>[] = [];
    for (let i = 0; i < TOTAL; i++) {
      confirmations.push(producer.publish(topic, String(i)));
      if (i % 100 === 99) await sleep(5);
      if (i === TOTAL / 2) proxy.reset();
    }
    await Promise.all(confirmations);
    await eventually(() => expect(copies.size).toBe(TOTAL), 30_000);
    await sleep(500);
    const duplicates = [...copies.values()].reduce((n, c) => n + c - 1, 0);
    console.log(`[mqtt envelope, ${kind}] ${TOTAL} confirmed, ${duplicates} duplicates (unflagged ${unflagged}), ${reconnected} reconnection(s)`);
    expect(reconnected).toBeGreaterThanOrEqual(1);
    expect(unflagged).toBe(0);
  });
});
