/**
 * The STOMP transport's destinations are the broker's own: a raw client of another protocol on the same
 * broker sees what it sends. RabbitMQ: a STOMP send to a queue is consumed by a raw rhea-promise AMQP 1.0
 * receiver on `/queue/NAME`. ActiveMQ: a STOMP publish reaches a raw mqtt.js (3.1.1) subscriber.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { Connection, ReceiverEvents, type EventContext } from 'rhea-promise';
import { connect, type Client } from '../../src/index.js';
import { stomp } from '../../src/transports/stomp/index.js';
import { rawMqtt } from '../support/raw-clients.js';
import { sharedBroker } from '../support/shared-brokers.js';
import { eventually, randomName, sleep } from '../support/wait.js';

const body = 'héllo, wörld: {"id": 7} \u0000 end';

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close().catch(() => undefined)));
});

async function stompClient(endpoint: string, username?: string, password?: string): Promise<Client> {
  const client = await connect({ transport: stomp(), endpoints: [endpoint], username, password });
  closers.push(() => client.close({ drain: false }));
  return client;
}

describe('STOMP across protocols', () => {
  it('RabbitMQ: a STOMP send to a queue is consumed by an AMQP 1.0 receiver on /queue/NAME', async () => {
    const broker = sharedBroker('rabbitmq');
    const endpoint = new URL(broker.endpoints.amqp!);
    const amqp = new Connection({
      host: endpoint.hostname, port: Number(endpoint.port), hostname: 'localhost',
      username: 'guest', password: 'guest', transport: 'tcp', reconnect: false,
    });
    await amqp.open();
    closers.push(() => amqp.close());
    const queue = randomName('s2a');
    // RabbitMQ declares a STOMP /queue/ durable, and an AMQP 1.0 `/queue/` address durable only for a
    // durable terminus: the two declarations must agree (else precondition_failed, inequivalent arg 'durable').
    const receiver = await amqp.createReceiver({ source: { address: `/queue/${queue}`, durable: 2 } });
    const got: string[] = [];
    receiver.on(ReceiverEvents.message, (context: EventContext) => {
      const message = context.message!;
      const data = message.body as { content?: Uint8Array } | Uint8Array | string;
      const bytes = typeof data === 'string' ? Buffer.from(data) : data instanceof Uint8Array ? data : data.content!;
      got.push(Buffer.from(bytes).toString('utf8'));
    });
    const client = await stompClient(broker.endpoints.stomp!, broker.username, broker.password);
    await client.send(queue, body, { persistent: true });
    await client.send(queue, 'second', { persistent: true });
    await eventually(() => expect(got).toEqual([body, 'second']));
    await sleep(300);
    expect(got).toHaveLength(2);
  });

  it('ActiveMQ: a STOMP publish reaches an MQTT 3.1.1 subscriber on the mapped topic', async () => {
    const broker = sharedBroker('activemq');
    const mqtt: MqttClient = await rawMqtt(broker.endpoints.mqtt!, { protocolVersion: 4 });
    closers.push(() => mqtt.endAsync());
    const topic = randomName('s2m');
    const got: Array<{ topic: string; body: string }> = [];
    mqtt.on('message', (t, payload) => void got.push({ topic: t, body: payload.toString('utf8') }));
    await mqtt.subscribeAsync(`${topic.replace(/\./g, '/')}/#`, { qos: 1 });
    const client = await stompClient(broker.endpoints.stomp!);
    await client.publish(`${topic}.eu`, body);
    await eventually(() => expect(got).toEqual([{ topic: `${topic.replace(/\./g, '/')}/eu`, body }]));
    await sleep(300);
    expect(got).toHaveLength(1);
  });
});
