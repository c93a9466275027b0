/**
 * Headers and message properties over MQTT. MQTT 5 (Mosquitto): user properties and the content type,
 * correlation data, response topic and message expiry properties, as a raw MQTT 5 client sees them,
 * and TTL enforced by the broker. MQTT 3.1.1 (ActiveMQ, RabbitMQ, Mosquitto): nothing is dropped
 * silently — headers, correlation id and reply-to are refused — unless the envelope is on, which then
 * carries all of them, and the possible-duplicate flag, inside the payload.
 */
import mqttjs from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError, UnsupportedError } from '../../src/core/errors.js';
import { POSSIBLE_DUPLICATE_HEADER, type Delivery, type TransportConnection } from '../../src/core/transport.js';
import type { BrokerInfo } from '../support/brokers.js';
import { rawMqtt } from '../support/raw-clients.js';
import { sharedBroker } from '../support/shared-brokers.js';
import { eventually, randomName, sleep } from '../support/wait.js';
import { closeAll, message, openMqtt, request, text, type OpenMqttOptions } from './mqtt-support.js';

const QUIET_MS = 300;
const HEADERS = { tenant: 'a', 'x-trace': 'abc 123', 'unicode-ü': 'wert: ✓', empty: '' };

const open: TransportConnection[] = [];
const raws: mqttjs.MqttClient[] = [];
afterEach(async () => {
  await closeAll(open.splice(0));
  await Promise.all(raws.splice(0).map((r) => r.endAsync(true).catch(() => undefined)));
});

async function connection(url: string, broker: BrokerInfo, options: OpenMqttOptions = {}) {
  const opened = await openMqtt(url, broker, options);
  open.push(opened.connection);
  return opened;
}

async function raw(url: string, broker: BrokerInfo, options: mqttjs.IClientOptions = {}) {
  const client = await rawMqtt(url, { username: broker.username, password: broker.password, ...options });
  raws.push(client);
  return client;
}

describe('MQTT 5 properties (Mosquitto)', () => {
  const broker = () => sharedBroker('mosquitto');
  const url = () => broker().endpoints.mqtt!;
  const v5: OpenMqttOptions = { transport: { protocolVersion: 5 } };

  it('round-trips headers, message id, content type, correlation id, reply-to and expiry', async () => {
    const { connection: c } = await connection(url(), broker(), v5);
    const topic = randomName('props');
    const got: Delivery[] = [];
    await c.subscribe(request(topic), (d) => void got.push(d));
    const before = Date.now();
    await c.publish(message(topic, '{"a":1}', {
      headers: HEADERS, messageId: 'id-7', contentType: 'application/json', correlationId: 'corr-ü-1', replyTo: 'replies.for.me', ttlMs: 60_000,
    }), true);
    await eventually(() => expect(got).toHaveLength(1));
    const d = got[0]!;
    expect(d.headers).toEqual(HEADERS);
    expect(d).toMatchObject({ messageId: 'id-7', contentType: 'application/json', correlationId: 'corr-ü-1', replyTo: 'replies.for.me', possibleDuplicate: false, redelivered: false });
    expect(d.expiresAt).toBeGreaterThanOrEqual(before + 59_000);
    expect(d.expiresAt).toBeLessThanOrEqual(Date.now() + 60_000);
    await c.ack(d);
  });

  it('writes standard MQTT 5 properties, as a raw MQTT 5 client reads them', async () => {
    const { connection: c } = await connection(url(), broker(), v5);
    const topic = randomName('interop');
    const rawClient = await raw(url(), broker(), { protocolVersion: 5 });
    const packets: mqttjs.IPublishPacket[] = [];
    rawClient.on('message', (_t, _p, packet) => void packets.push(packet));
    await rawClient.subscribeAsync(topic.replaceAll('.', '/'), { qos: 1 });
    await c.publish(message(topic, 'x', { headers: { tenant: 'a' }, messageId: 'id-1', contentType: 'text/plain', correlationId: 'c-1', replyTo: 'r.s', ttlMs: 1500 }), true);
    await eventually(() => expect(packets).toHaveLength(1));
    const properties = packets[0]!.properties!;
    expect(properties.userProperties).toEqual({ tenant: 'a', 'umq-message-id': 'id-1' });
    expect(properties.contentType).toBe('text/plain');
    expect(properties.correlationData?.toString()).toBe('c-1');
    expect(properties.responseTopic).toBe('r/s');
    // §3.3.2.3.3: whole seconds, rounded up.
    expect(properties.messageExpiryInterval).toBe(2);
  });

  it('carries the possible-duplicate flag of a re-send in a user property, and takes it out of the headers', async () => {
    const { connection: c } = await connection(url(), broker(), v5);
    const topic = randomName('dup');
    const got: Delivery[] = [];
    await c.subscribe(request(topic), (d) => void got.push(d));
    await c.publish(message(topic, 'first', { headers: { a: 'b' } }), true);
    await c.publish(message(topic, 'again', { headers: { a: 'b' }, possibleDuplicate: true }), true);
    await eventually(() => expect(got).toHaveLength(2));
    expect(got.map((d) => [text(d), d.possibleDuplicate, d.headers])).toEqual([
      ['first', false, { a: 'b' }],
      ['again', true, { a: 'b' }],
    ]);
  });

  it('lets the broker expire a message whose TTL passes while the subscriber is away', async () => {
    const topic = randomName('ttl');
    const subscriber = await connection(url(), broker(), { transport: { protocolVersion: 5, keepSessionOnClose: true } });
    await subscriber.connection.subscribe(request(topic), () => undefined);
    await subscriber.connection.close();
    const { connection: publisher } = await connection(url(), broker(), v5);
    await publisher.publish(message(topic, 'short', { ttlMs: 1000 }), true);
    await publisher.publish(message(topic, 'long', { ttlMs: 60_000 }), true);
    await sleep(2500);
    const again = await connection(url(), broker(), { ...v5, clientId: subscriber.clientId });
    const got: Delivery[] = [];
    await again.connection.subscribe(request(topic), (d) => void got.push(d));
    await eventually(() => expect(got).toHaveLength(1));
    await sleep(QUIET_MS);
    expect(got.map(text)).toEqual(['long']);
  });

  it('refuses header names that unified-mq reserves', async () => {
    const { connection: c } = await connection(url(), broker(), v5);
    for (const name of ['umq-message-id', POSSIBLE_DUPLICATE_HEADER]) {
      await expect(c.publish(message(randomName('r'), 'x', { headers: { [name]: 'x' } }), true)).rejects.toBeInstanceOf(InvalidArgumentError);
    }
  });
});

const v311 = [
  { name: 'ActiveMQ', broker: () => sharedBroker('activemq'), url: () => sharedBroker('activemq').endpoints.mqtt! },
  { name: 'RabbitMQ', broker: () => sharedBroker('rabbitmq'), url: () => sharedBroker('rabbitmq').endpoints.mqtt! },
  { name: 'Mosquitto', broker: () => sharedBroker('mosquitto'), url: () => sharedBroker('mosquitto').endpoints.mqtt! },
];

describe.each(v311)('MQTT 3.1.1 on $name', (target) => {
  it('refuses headers, a correlation id and a reply-to rather than drop them, and names the ways out', async () => {
    const { connection: c } = await connection(target.url(), target.broker());
    expect(c.capabilities.headers).toBe(false);
    const topic = randomName('plain');
    for (const extra of [{ headers: { a: 'b' } }, { correlationId: 'c' }, { replyTo: 'r' }]) {
      const error = await c.publish(message(topic, 'x', extra), true).catch((e: unknown) => e as Error);
      expect(error).toBeInstanceOf(UnsupportedError);
      expect((error as Error).message).toMatch(/^MQTT 3\.1\.1 cannot carry .*; use MQTT 5 \(mqtt\(\{ protocolVersion: 5 \}\)\) where the broker has it, mqtt\(\{ envelope: true \}\), or the STOMP or AMQP transport$/);
    }
  });

  it('delivers the payload as it was sent, without message id or content type', async () => {
    const { connection: c } = await connection(target.url(), target.broker());
    const topic = randomName('bare');
    const got: Delivery[] = [];
    await c.subscribe(request(topic), (d) => void got.push(d));
    const bytes = new Uint8Array([0, 1, 2, 0xfe, 0xff]);
    await c.publish(message(topic, bytes, { messageId: 'id-1', contentType: 'application/octet-stream' }), true);
    await eventually(() => expect(got).toHaveLength(1));
    expect(got[0]!.bytes).toEqual(bytes);
    expect(got[0]).toMatchObject({ messageId: undefined, contentType: undefined, headers: {} });
  });

  it('with the envelope, carries headers and every property (and the possible-duplicate flag) inside the payload', async () => {
    const envelope: OpenMqttOptions = { transport: { envelope: true } };
    const { connection: c } = await connection(target.url(), target.broker(), envelope);
    expect(c.capabilities.headers).toBe(true);
    const topic = randomName('envelope');
    const got: Delivery[] = [];
    await c.subscribe(request(topic), (d) => void got.push(d));
    const rawClient = await raw(target.url(), target.broker());
    const rawPayloads: Buffer[] = [];
    rawClient.on('message', (_t, payload) => void rawPayloads.push(payload));
    await rawClient.subscribeAsync(topic.replaceAll('.', '/'), { qos: 1 });
    const body = new Uint8Array([0, 0x75, 0x6d, 0x71, 9, 9]); // a body that itself looks like an envelope
    await c.publish(message(topic, body, {
      headers: HEADERS, messageId: 'id-9', contentType: 'application/x-test', correlationId: 'corr', replyTo: 'back.here', possibleDuplicate: true,
    }), true);
    // A producer without the envelope: its payload arrives as it is.
    await rawClient.publishAsync(topic.replaceAll('.', '/'), 'plain', { qos: 1 });
    await eventually(() => expect(got).toHaveLength(2));
    await sleep(QUIET_MS);
    expect(got[0]!.bytes).toEqual(body);
    expect(got[0]!.headers).toEqual(HEADERS);
    expect(got[0]).toMatchObject({ messageId: 'id-9', contentType: 'application/x-test', correlationId: 'corr', replyTo: 'back.here', possibleDuplicate: true });
    expect(text(got[1]!)).toBe('plain');
    expect(got[1]).toMatchObject({ headers: {}, messageId: undefined, possibleDuplicate: false });
    // Clients without the envelope see its bytes: "\0umq", version 1, then the property block.
    await eventually(() => expect(rawPayloads).toHaveLength(2));
    expect([...rawPayloads[0]!.subarray(0, 5)]).toEqual([0x00, 0x75, 0x6d, 0x71, 0x01]);
  });
});
