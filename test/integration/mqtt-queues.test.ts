/**
 * Queues over MQTT: MQTT 5 shared subscriptions ($share/GROUP/queues/NAME) on Mosquitto. Competing
 * consumers get each message once, queues and topics of the same name stay apart, a consumer's
 * unacknowledged messages stay with its session. On MQTT 3.1.1 queues are refused, naming STOMP and AMQP.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { UnsupportedError } from '../../src/core/errors.js';
import type { Delivery, TransportConnection } from '../../src/core/transport.js';
import { rawMqtt } from '../support/raw-clients.js';
import { sharedBroker } from '../support/shared-brokers.js';
import { eventually, randomName, sleep } from '../support/wait.js';
import { closeAll, message, openMqtt, request, text, type OpenMqttOptions } from './mqtt-support.js';

const QUIET_MS = 300;
const open: TransportConnection[] = [];
afterEach(async () => {
  await closeAll(open.splice(0));
});

describe('MQTT 5 queues on Mosquitto (shared subscriptions)', () => {
  const url = () => sharedBroker('mosquitto').endpoints.mqtt!;
  async function connection(extra: OpenMqttOptions = {}) {
    const opened = await openMqtt(url(), undefined, { ...extra, transport: { protocolVersion: 5, ...extra.transport } });
    open.push(opened.connection);
    return opened;
  }

  it('gives each message to one of the competing consumers', async () => {
    const queue = randomName('jobs');
    const a: string[] = [];
    const b: string[] = [];
    const consumerA = (await connection()).connection;
    const consumerB = (await connection()).connection;
    await consumerA.subscribe(request(queue, { kind: 'queue' }), (d) => { a.push(text(d)); void consumerA.ack(d); });
    await consumerB.subscribe(request(queue, { kind: 'queue' }), (d) => { b.push(text(d)); void consumerB.ack(d); });
    const { connection: producer } = await connection();
    for (let i = 0; i < 20; i++) await producer.publish(message(queue, String(i), { kind: 'queue' }), true);
    await eventually(() => expect(a.length + b.length).toBe(20));
    await sleep(QUIET_MS);
    expect([...a, ...b].map(Number).sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    // Mosquitto hands a shared subscription's messages out in turn.
    expect([a.length, b.length]).toEqual([10, 10]);
  });

  it('keeps a queue and a topic of the same name apart, on the wire as well', async () => {
    const name = randomName('apart');
    const { connection: c } = await connection();
    const queued: string[] = [];
    const topical: string[] = [];
    await c.subscribe(request(name, { kind: 'queue' }), (d) => { queued.push(text(d)); void c.ack(d); });
    await c.subscribe(request(name), (d) => { topical.push(text(d)); void c.ack(d); });
    const raw = await rawMqtt(url(), { protocolVersion: 5 });
    const rawTopics: string[] = [];
    raw.on('message', (topic) => void rawTopics.push(topic));
    await raw.subscribeAsync('queues/#', { qos: 1 });
    try {
      await c.publish(message(name, 'to the queue', { kind: 'queue' }), true);
      await c.publish(message(name, 'to the topic'), true);
      await eventually(() => expect([queued.length, topical.length, rawTopics.length]).toEqual([1, 1, 1]));
      await sleep(QUIET_MS);
      expect(queued).toEqual(['to the queue']);
      expect(topical).toEqual(['to the topic']);
      expect(rawTopics).toEqual([`queues/${name.replaceAll('.', '/')}`]);
    } finally {
      await raw.endAsync(true);
    }
  });

  it('keeps a consumer\'s unacknowledged message in its session, and delivers it when that session resumes', async () => {
    const queue = randomName('held');
    const first = await connection({ transport: { keepSessionOnClose: true } });
    const got: Delivery[] = [];
    await first.connection.subscribe(request(queue, { kind: 'queue' }), (d) => void got.push(d));
    const other = (await connection()).connection;
    const otherGot: string[] = [];
    await other.subscribe(request(queue, { kind: 'queue' }), (d) => { otherGot.push(text(d)); void other.ack(d); });
    const { connection: producer } = await connection();
    // Mosquitto hands out in turn: the first message goes to one consumer, the second to the other.
    await producer.publish(message(queue, 'a', { kind: 'queue' }), true);
    await producer.publish(message(queue, 'b', { kind: 'queue' }), true);
    await eventually(() => expect(got.length + otherGot.length).toBe(2));
    expect(got).toHaveLength(1);
    const held = text(got[0]!);
    await first.connection.close(); // unacked, session kept
    await sleep(QUIET_MS);
    expect(otherGot).toHaveLength(1); // the held message was not handed to the other consumer
    const again = await connection({ clientId: first.clientId });
    const redelivered: Delivery[] = [];
    await again.connection.subscribe(request(queue, { kind: 'queue' }), (d) => { redelivered.push(d); void again.connection.ack(d); });
    await eventually(() => expect(redelivered).toHaveLength(1));
    expect(text(redelivered[0]!)).toBe(held);
    expect(redelivered[0]!.redelivered).toBe(true);
  });
});

describe('queues on MQTT 3.1.1', () => {
  it.each(['activemq', 'rabbitmq', 'mosquitto'] as const)('are refused on %s with UnsupportedError naming STOMP and AMQP', async (kind) => {
    const broker = sharedBroker(kind);
    const { connection: c } = await openMqtt(broker.endpoints.mqtt!, broker);
    open.push(c);
    expect(c.capabilities.queues).toBe(false);
    const error = await c.subscribe(request(randomName('q'), { kind: 'queue' }), () => undefined).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(UnsupportedError);
    expect((error as Error).message).toBe(
      'MQTT 3.1.1 has no queues; use MQTT 5 shared subscriptions (mqtt({ protocolVersion: 5 })) where the broker has them, or the STOMP or AMQP transport',
    );
  });
});
