/**
 * One broker, two protocols: a message published with one transport reaches a subscriber on another,
 * with the body intact (destination names map to each protocol's dialect on the same broker).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { connect, type Client, type Transport } from '../../src/index.js';
import { amqp } from '../../src/transports/amqp/index.js';
import { mqtt } from '../../src/transports/mqtt/index.js';
import { stomp } from '../../src/transports/stomp/index.js';
import type { BrokerInfo } from '../support/brokers.js';
import { sharedBroker } from '../support/shared-brokers.js';
import { eventually, randomName } from '../support/wait.js';

const clients: Client[] = [];
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close({ drain: false })));
});

async function client(transport: Transport, broker: BrokerInfo, endpoint: string): Promise<Client> {
  const c = await connect({ transport, endpoints: [endpoint], username: broker.username, password: broker.password });
  clients.push(c);
  return c;
}

const body = 'héllo, wörld: {"id": 7}';

describe('cross-protocol on ActiveMQ', () => {
  const broker = () => sharedBroker('activemq');

  it('an MQTT publish to a.b reaches a STOMP subscriber', async () => {
    const sub = await client(stomp(), broker(), broker().endpoints.stomp!);
    const pub = await client(mqtt(), broker(), broker().endpoints.mqtt!);
    const topic = randomName('m2s');
    const got: Array<{ destination: string; text: string }> = [];
    await sub.subscribe(topic, (m) => void got.push({ destination: m.destination, text: new TextDecoder().decode(m.bytes) }));
    await pub.publish(topic, body);
    await eventually(() => expect(got).toEqual([{ destination: topic, text: body }]));
  });

  it('a STOMP publish reaches an MQTT subscriber', async () => {
    const sub = await client(mqtt(), broker(), broker().endpoints.mqtt!);
    const pub = await client(stomp(), broker(), broker().endpoints.stomp!);
    const topic = randomName('s2m');
    const got: string[] = [];
    await sub.subscribe(topic, (m) => void got.push(new TextDecoder().decode(m.bytes)));
    await pub.publish(topic, body);
    await eventually(() => expect(got).toEqual([body]));
  });
});

describe('cross-protocol on RabbitMQ', () => {
  const broker = () => sharedBroker('rabbitmq');

  it('an MQTT publish to a.b reaches a STOMP subscriber', async () => {
    const sub = await client(stomp(), broker(), broker().endpoints.stomp!);
    const pub = await client(mqtt(), broker(), broker().endpoints.mqtt!);
    const topic = randomName('m2s');
    const got: string[] = [];
    await sub.subscribe(topic, (m) => void got.push(new TextDecoder().decode(m.bytes)));
    await pub.publish(topic, body);
    await eventually(() => expect(got).toEqual([body]));
  });

  it('a STOMP send to a queue is consumed by an AMQP 1.0 consumer', async () => {
    const consumer = await client(amqp(), broker(), broker().endpoints.amqp!);
    const producer = await client(stomp(), broker(), broker().endpoints.stomp!);
    const queue = randomName('s2a');
    const got: string[] = [];
    await consumer.consume(queue, (m) => void got.push(new TextDecoder().decode(m.bytes)));
    await producer.send(queue, body);
    await eventually(() => expect(got).toEqual([body]));
  });

  it('an AMQP send to a queue is consumed by a STOMP consumer', async () => {
    const consumer = await client(stomp(), broker(), broker().endpoints.stomp!);
    const producer = await client(amqp(), broker(), broker().endpoints.amqp!);
    const queue = randomName('a2s');
    const got: string[] = [];
    await consumer.consume(queue, (m) => void got.push(new TextDecoder().decode(m.bytes)));
    await producer.send(queue, body);
    await eventually(() => expect(got).toEqual([body]));
  });

  it('an AMQP publish to a topic reaches an MQTT subscriber', async () => {
    const sub = await client(mqtt(), broker(), broker().endpoints.mqtt!);
    const pub = await client(amqp(), broker(), broker().endpoints.amqp!);
    const topic = randomName('a2m');
    const got: string[] = [];
    await sub.subscribe(topic, (m) => void got.push(new TextDecoder().decode(m.bytes)));
    await pub.publish(topic, body);
    await eventually(() => expect(got).toEqual([body]));
  });
});
