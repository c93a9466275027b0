/**
 * Smoke tests with the raw client libraries, one per broker and protocol, plus the active/standby
 * takeover of the ActiveMQ pair. They prove the brokers work before any of our transports is involved.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { sharedBroker } from '../support/shared-brokers.js';
import { rawAmqp, rawMqtt, rawStomp } from '../support/raw-clients.js';
import { startActiveMQPair } from '../support/brokers.js';
import { eventually, randomName } from '../support/wait.js';

const closers: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
});

async function mqttRoundTrip(url: string, credentials: { username?: string; password?: string }, protocolVersion: 4 | 5 = 4) {
  const client = await rawMqtt(url, { ...credentials, protocolVersion });
  closers.push(() => client.endAsync());
  const topic = randomName('smoke').replace('.', '/');
  const got: string[] = [];
  client.on('message', (_t, payload) => void got.push(payload.toString()));
  await client.subscribeAsync(topic, { qos: 1 });
  await client.publishAsync(topic, 'hello mqtt', { qos: 1 });
  await eventually(() => expect(got).toEqual(['hello mqtt']));
}

async function stompRoundTrip(url: string, credentials?: { login: string; passcode: string }) {
  const stomp = await rawStomp(url, credentials);
  closers.push(() => stomp.close());
  const queue = `/queue/${randomName('smoke')}`;
  const { bodies } = stomp.collect(queue);
  stomp.client.publish({ destination: queue, body: 'hello stomp' });
  await eventually(() => expect(bodies).toEqual(['hello stomp']));
}

describe('smoke: ActiveMQ', () => {
  const broker = () => sharedBroker('activemq');
  it('serves MQTT 3.1.1', () => mqttRoundTrip(broker().endpoints.mqtt!, {}));
  it('serves STOMP', () => stompRoundTrip(broker().endpoints.stomp!));
});

describe('smoke: RabbitMQ', () => {
  const broker = () => sharedBroker('rabbitmq');
  const guest = { username: 'guest', password: 'guest' };
  it('serves MQTT 3.1.1', () => mqttRoundTrip(broker().endpoints.mqtt!, guest));
  it('serves Web-MQTT', () => mqttRoundTrip(broker().endpoints['mqtt-ws']!, guest));
  it('serves STOMP', () => stompRoundTrip(broker().endpoints.stomp!, { login: 'guest', passcode: 'guest' }));
  it('serves Web-STOMP', () => stompRoundTrip(broker().endpoints['stomp-ws']!, { login: 'guest', passcode: 'guest' }));
  it('serves AMQP 1.0', async () => {
    const amqp = await rawAmqp(broker().endpoints.amqp!);
    closers.push(() => amqp.close());
    const address = `/queue/${randomName('smoke')}`;
    await amqp.send(address, 'hello amqp');
    const bodies = await amqp.collect(address);
    await eventually(() => expect(bodies).toEqual(['hello amqp']));
  });
});

describe('smoke: Mosquitto', () => {
  it('serves MQTT 5 with a shared subscription that splits messages between two consumers', async () => {
    const url = sharedBroker('mosquitto').endpoints.mqtt!;
    const topic = randomName('shared').replace('.', '/');
    const [a, b, producer] = await Promise.all([rawMqtt(url, { protocolVersion: 5 }), rawMqtt(url, { protocolVersion: 5 }), rawMqtt(url, { protocolVersion: 5 })]);
    closers.push(() => a.endAsync(), () => b.endAsync(), () => producer.endAsync());
    const gotA: string[] = [];
    const gotB: string[] = [];
    a.on('message', (_t, p) => void gotA.push(p.toString()));
    b.on('message', (_t, p) => void gotB.push(p.toString()));
    await a.subscribeAsync(`$share/workers/${topic}`, { qos: 1 });
    await b.subscribeAsync(`$share/workers/${topic}`, { qos: 1 });
    const n = 100;
    for (let i = 0; i < n; i++) await producer.publishAsync(topic, String(i), { qos: 1 });
    await eventually(() => expect(gotA.length + gotB.length).toBe(n));
    expect(new Set([...gotA, ...gotB]).size).toBe(n);
    expect(gotA.length).toBeGreaterThan(0);
    expect(gotB.length).toBeGreaterThan(0);
  });
});

describe('smoke: ActiveMQ active/standby pair', () => {
  it('keeps a persistent message across a SIGKILL takeover; the standby serves within 10 s', async () => {
    const pair = await startActiveMQPair();
    closers.push(() => pair.dispose());
    expect(await pair.active()).toBe('a');
    const queue = `/queue/${randomName('takeover')}`;
    const producer = await rawStomp(pair.endpoints.stomp![0]);
    await new Promise<void>((resolve) => {
      producer.client.watchForReceipt('r1', () => resolve());
      producer.client.publish({ destination: queue, body: 'survives', headers: { persistent: 'true', receipt: 'r1' } });
    });
    await producer.close().catch(() => undefined);
    const killedAt = Date.now();
    await pair.a.kill();
    expect(await pair.waitForActive(10_000)).toBe('b');
    const takeoverMs = Date.now() - killedAt;
    console.log(`ActiveMQ pair takeover after SIGKILL: ${takeoverMs} ms`);
    expect(takeoverMs).toBeLessThan(10_000);
    const consumer = await rawStomp(pair.endpoints.stomp![1]);
    closers.push(() => consumer.close());
    const { bodies } = consumer.collect(queue);
    await eventually(() => expect(bodies).toEqual(['survives']));
  });
});
