/**
 * The MQTT transport through its own open(), on the shared brokers: ActiveMQ 5.17 and RabbitMQ 3.10
 * (MQTT 3.1.1, RabbitMQ also over Web-MQTT) and Mosquitto 2.0 (MQTT 5 and 3.1.1). Handshake and
 * capabilities, PUBACK-confirmed publishes, wildcard spelling, held PUBACKs and redelivery when the
 * session resumes, what close() does with the session, subscriptions sharing a filter, unsubscribe.
 */
import mqttjs from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionError, InvalidDestinationError, UnsupportedError } from '../../src/core/errors.js';
import type { Delivery, TransportConnection } from '../../src/core/transport.js';
import type { BrokerInfo } from '../support/brokers.js';
import { rawMqtt } from '../support/raw-clients.js';
import { sharedBroker } from '../support/shared-brokers.js';
import { eventually, randomName, sleep } from '../support/wait.js';
import { closeAll, message, openMqtt, request, text, type OpenMqttOptions, type Opened } from './mqtt-support.js';

const QUIET_MS = 300;

interface Target {
  name: string;
  broker: () => BrokerInfo;
  url: () => string;
  version: 4 | 5;
  /**
   * Copies an MQTT 3.1.1 broker sends of a message that matches two subscriptions of one client: ActiveMQ
   * one per subscription, RabbitMQ and Mosquitto one per client (§3.3.5 allows both). MQTT 5 subscription
   * identifiers tell copies apart.
   */
  overlapCopies: 1 | 2;
}

const targets: Target[] = [
  { name: 'ActiveMQ (tcp, MQTT 3.1.1)', broker: () => sharedBroker('activemq'), url: () => sharedBroker('activemq').endpoints.mqtt!, version: 4, overlapCopies: 2 },
  { name: 'RabbitMQ (tcp, MQTT 3.1.1)', broker: () => sharedBroker('rabbitmq'), url: () => sharedBroker('rabbitmq').endpoints.mqtt!, version: 4, overlapCopies: 1 },
  { name: 'RabbitMQ (Web-MQTT, MQTT 3.1.1)', broker: () => sharedBroker('rabbitmq'), url: () => sharedBroker('rabbitmq').endpoints['mqtt-ws']!, version: 4, overlapCopies: 1 },
  { name: 'Mosquitto (tcp, MQTT 5)', broker: () => sharedBroker('mosquitto'), url: () => sharedBroker('mosquitto').endpoints.mqtt!, version: 5, overlapCopies: 1 },
  { name: 'Mosquitto (tcp, MQTT 3.1.1)', broker: () => sharedBroker('mosquitto'), url: () => sharedBroker('mosquitto').endpoints.mqtt!, version: 4, overlapCopies: 1 },
];

const open: TransportConnection[] = [];
const raws: mqttjs.MqttClient[] = [];
afterEach(async () => {
  await closeAll(open.splice(0));
  await Promise.all(raws.splice(0).map((r) => r.endAsync(true).catch(() => undefined)));
});

describe.each(targets)('MQTT transport on $name', (target) => {
  async function connection(extra: OpenMqttOptions = {}): Promise<Opened> {
    const opened = await openMqtt(target.url(), target.broker(), { ...extra, transport: { protocolVersion: target.version, ...extra.transport } });
    open.push(opened.connection);
    return opened;
  }

  async function raw(options: mqttjs.IClientOptions = {}): Promise<mqttjs.MqttClient> {
    const broker = target.broker();
    const client = await rawMqtt(target.url(), { username: broker.username, password: broker.password, protocolVersion: target.version, ...options });
    raws.push(client);
    return client;
  }

  const collect = (into: Delivery[]) => (d: Delivery) => void into.push(d);

  it('opens after CONNACK and reports what MQTT can do on this broker', async () => {
    const { connection: c } = await connection();
    const v5 = target.version === 5;
    expect(c.capabilities).toEqual({
      queues: v5,
      wildcards: true,
      headers: v5,
      durableSubscriptions: false,
      nack: false,
      priority: false,
      ttl: v5,
      maxMessageBytes: 16 * 1024 * 1024 - 16 * 1024,
      binaryBodies: true,
    });
  });

  it('resolves a confirmed publish on its PUBACK, and delivers QoS 1 and QoS 0 messages in order', async () => {
    const { connection: c } = await connection();
    const topic = randomName('puback');
    const got: Delivery[] = [];
    // RabbitMQ pushes at most 10 unacknowledged messages per connection (mqtt.prefetch): ack as they come.
    await c.subscribe(request(topic), (d) => { got.push(d); void c.ack(d); });
    await c.publish(message(topic, 'confirmed'), true);
    await c.publish(message(topic, 'unconfirmed'), false);
    await Promise.all(Array.from({ length: 50 }, (_, i) => c.publish(message(topic, String(i)), true)));
    await eventually(() => expect(got).toHaveLength(52));
    await sleep(QUIET_MS);
    // MQTT 3.1.1 §4.6 orders messages within one QoS level, not across levels: QoS 1 in order, QoS 0 present.
    expect(got.map(text).filter((t) => t !== 'unconfirmed')).toEqual(['confirmed', ...Array.from({ length: 50 }, (_, i) => String(i))]);
    expect(got.map(text).filter((t) => t === 'unconfirmed')).toEqual(['unconfirmed']);
    expect(got[0]!.destination).toBe(topic);
    expect(got[0]!.redelivered).toBe(false);
  });

  it('publishes a confirmed message at QoS 1 and an unconfirmed one at QoS 0, as a raw subscriber receives them', async () => {
    const { connection: c } = await connection();
    const topic = randomName('qos');
    const rawClient = await raw();
    const seen: Array<[string, number]> = [];
    rawClient.on('message', (_topic, payload, packet) => void seen.push([payload.toString(), packet.qos]));
    await rawClient.subscribeAsync(topic.replaceAll('.', '/'), { qos: 1 });
    await c.publish(message(topic, 'confirmed'), true);
    await c.publish(message(topic, 'unconfirmed'), false);
    await eventually(() => expect(seen).toHaveLength(2));
    expect(seen.sort()).toEqual([['confirmed', 1], ['unconfirmed', 0]]);
  });

  it('publishes to a/b/c and subscribes with + and #, as raw MQTT clients on the same broker spell them', async () => {
    const { connection: c } = await connection();
    const { connection: other } = await connection();
    const root = randomName('spell');
    const rawRoot = root.replaceAll('.', '/');
    const rawClient = await raw();
    const rawGot: string[] = [];
    rawClient.on('message', (topic) => void rawGot.push(topic));
    await rawClient.subscribeAsync(`${rawRoot}/+/created`, { qos: 1 });
    const star: string[] = [];
    const hash: string[] = [];
    await c.subscribe(request(`${root}.*.created`), (d) => void star.push(d.destination));
    await other.subscribe(request(`${root}.eu.#`), (d) => void hash.push(d.destination));
    await c.publish(message(`${root}.eu.created`, 'x'), true);
    await rawClient.publishAsync(`${rawRoot}/us/created`, 'x', { qos: 1 });
    await rawClient.publishAsync(`${rawRoot}/eu/x/created`, 'x', { qos: 1 });
    await rawClient.publishAsync(`${rawRoot}/eu`, 'x', { qos: 1 });
    await eventually(() => expect([rawGot.length, star.length, hash.length]).toEqual([2, 2, 3]));
    await sleep(QUIET_MS);
    expect(rawGot.sort()).toEqual([`${rawRoot}/eu/created`, `${rawRoot}/us/created`]);
    expect(star.sort()).toEqual([`${root}.eu.created`, `${root}.us.created`]);
    // §4.7.1.2: `a/#` matches `a` too, as the unified `#` (zero or more trailing segments) does.
    expect(hash.sort()).toEqual([`${root}.eu`, `${root}.eu.created`, `${root}.eu.x.created`]);
  });

  it(`delivers ${target.version === 5 ? 'one copy to each of two overlapping subscriptions (subscription identifiers)' : 'what the broker sends for two overlapping subscriptions to both'}`, async () => {
    const { connection: c } = await connection();
    const root = randomName('overlap');
    const star: Delivery[] = [];
    const hash: Delivery[] = [];
    await c.subscribe(request(`${root}.*`), (d) => { star.push(d); void c.ack(d); });
    await c.subscribe(request(`${root}.#`), (d) => { hash.push(d); void c.ack(d); });
    await c.publish(message(`${root}.a`, 'both'), true);
    await c.publish(message(`${root}.a.b`, 'hash only'), true);
    await eventually(() => expect(hash.length).toBeGreaterThanOrEqual(2));
    await sleep(QUIET_MS);
    const copies = target.version === 5 ? 1 : target.overlapCopies;
    expect(star.map(text)).toEqual(Array(copies).fill('both'));
    expect(hash.map(text).sort()).toEqual([...Array(copies).fill('both'), 'hash only'].sort());
  });

  it('holds the PUBACK until ack: an unacked message comes back (DUP set) when the session resumes, an acked one does not', async () => {
    const topic = randomName('held');
    const first = await connection({ transport: { keepSessionOnClose: true } });
    const got: Delivery[] = [];
    await first.connection.subscribe(request(topic), collect(got));
    const { connection: publisher } = await connection();
    await publisher.publish(message(topic, 'acked'), true);
    await publisher.publish(message(topic, 'unacked'), true);
    await eventually(() => expect(got.map(text)).toEqual(['acked', 'unacked']));
    await first.connection.ack(got[0]!);
    await sleep(QUIET_MS); // the PUBACK reaches the broker before the socket goes
    await first.connection.close();
    const again = await connection({ clientId: first.clientId, transport: { keepSessionOnClose: true } });
    const redelivered: Delivery[] = [];
    // The resumed session may push the message before this subscription exists: the transport holds it.
    await sleep(QUIET_MS);
    await again.connection.subscribe(request(topic), collect(redelivered));
    await eventually(() => expect(redelivered).toHaveLength(1));
    await sleep(QUIET_MS);
    expect(redelivered.map(text)).toEqual(['unacked']);
    expect(redelivered[0]!.redelivered).toBe(true);
    await again.connection.ack(redelivered[0]!);
  });

  it('keeps QoS 1 messages in the session while the subscriber is away (keepSessionOnClose)', async () => {
    const topic = randomName('away');
    const first = await connection({ transport: { keepSessionOnClose: true } });
    await first.connection.subscribe(request(topic), () => undefined);
    await first.connection.close();
    const { connection: publisher } = await connection();
    for (let i = 0; i < 3; i++) await publisher.publish(message(topic, String(i)), true);
    const again = await connection({ clientId: first.clientId });
    const got: Delivery[] = [];
    await again.connection.subscribe(request(topic), collect(got));
    await eventually(() => expect(got).toHaveLength(3));
    await sleep(QUIET_MS);
    expect(got.map(text)).toEqual(['0', '1', '2']);
    for (const d of got) await again.connection.ack(d);
  });

  it('ends the session on close() by default: nothing is kept for a client that closed', async () => {
    const topic = randomName('ended');
    const first = await connection();
    await first.connection.subscribe(request(topic), () => undefined);
    await first.connection.close();
    const { connection: publisher } = await connection();
    for (let i = 0; i < 3; i++) await publisher.publish(message(topic, String(i)), true);
    // A raw client resuming the same client id sees no message waiting.
    const rawClient = await raw({ clientId: first.clientId, clean: false, ...(target.version === 5 && { properties: { sessionExpiryInterval: 0 } }) });
    const got: string[] = [];
    rawClient.on('message', (_topic, payload) => void got.push(payload.toString()));
    await sleep(1000);
    expect(got).toEqual([]);
  });

  it('routes every subscription on one filter, and unsubscribes the filter only when the last one goes', async () => {
    const { connection: c } = await connection();
    const topic = randomName('shared-filter');
    const a: Delivery[] = [];
    const b: Delivery[] = [];
    const subA = await c.subscribe(request(topic), collect(a));
    const subB = await c.subscribe(request(topic), collect(b));
    await c.publish(message(topic, '1'), true);
    await eventually(() => expect([a.length, b.length]).toEqual([1, 1]));
    // One PUBLISH reached both: its PUBACK waits for both acks.
    expect(a[0]).toBe(b[0]);
    await c.ack(a[0]!);
    await c.ack(b[0]!);
    await subA.unsubscribe();
    await c.publish(message(topic, '2'), true);
    await eventually(() => expect(b).toHaveLength(2));
    await c.ack(b[1]!);
    await subB.unsubscribe();
    await c.publish(message(topic, '3'), true);
    await sleep(QUIET_MS);
    expect(a.map(text)).toEqual(['1']);
    expect(b.map(text)).toEqual(['1', '2']);
  });

  it('refuses an ack for a delivery from another connection, and has no nack', async () => {
    const { connection: c } = await connection();
    const { connection: other } = await connection();
    const topic = randomName('foreign');
    const got: Delivery[] = [];
    await c.subscribe(request(topic), collect(got));
    await c.publish(message(topic, 'x'), true);
    await eventually(() => expect(got).toHaveLength(1));
    await expect(other.ack(got[0]!)).rejects.toBeInstanceOf(ConnectionError);
    await expect(c.nack(got[0]!, true)).rejects.toBeInstanceOf(UnsupportedError);
    await c.ack(got[0]!);
  });

  it('rejects names that MQTT cannot carry as topic names with InvalidDestinationError', async () => {
    const { connection: c } = await connection();
    for (const name of ['a.*', 'a.#', '', 'a..b', '.a', 'a.', 'a\u0000b', '$SYS.broker']) {
      await expect(c.publish(message(name, 'x'), true), name).rejects.toBeInstanceOf(InvalidDestinationError);
    }
  });
});
