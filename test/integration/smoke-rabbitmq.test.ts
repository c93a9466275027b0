/** Smoke: the shared RabbitMQ answers each protocol it serves, with the raw client libraries (guest/guest). */
import { afterAll, describe, expect, it } from 'vitest';
import { rawAmqp } from '../support/raw-clients.js';
import { sharedBroker } from '../support/shared-brokers.js';
import { eventually, randomName, sleep } from '../support/wait.js';
import { Closers, mqttRoundTrip, SETTLE_MS, stompRoundTrip } from './smoke-helpers.js';

const closers = new Closers();
afterAll(() => closers.closeAll());

describe('smoke: RabbitMQ 3.10', () => {
  const broker = () => sharedBroker('rabbitmq');
  const guest = { username: 'guest', password: 'guest' };
  const stompGuest = { login: 'guest', passcode: 'guest' };

  it('serves AMQP, MQTT, STOMP, Web-MQTT and Web-STOMP, as guest/guest', () => {
    expect([...broker().protocols].sort()).toEqual(['amqp', 'mqtt', 'mqtt-ws', 'stomp', 'stomp-ws']);
    expect(broker().endpoints['mqtt-ws']).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/ws$/);
    expect([broker().username, broker().password]).toEqual(['guest', 'guest']);
  });

  it('MQTT 3.1.1 (mqtt.js): publish and receive one message', () => mqttRoundTrip(closers, broker().endpoints.mqtt!, guest));

  it('STOMP (stompjs over @stomp/tcp-wrapper): send and receive one message', () => stompRoundTrip(closers, broker().endpoints.stomp!, stompGuest));

  it('AMQP 1.0 (rhea-promise, /queue/NAME): send and receive one message', async () => {
    const amqp = await rawAmqp(broker().endpoints.amqp!, 'guest', 'guest');
    closers.add(() => amqp.close());
    const address = `/queue/${randomName('smoke')}`;
    const body = `hello amqp ${address}`;
    await amqp.send(address, body); // resolves on the broker's `accepted` disposition
    const bodies = await amqp.collect(address);
    await eventually(() => expect(bodies).toEqual([body]));
    await sleep(SETTLE_MS);
    expect(bodies).toEqual([body]);
  });

  it('Web-MQTT (mqtt.js over WebSocket, /ws): publish and receive one message', () => mqttRoundTrip(closers, broker().endpoints['mqtt-ws']!, guest));

  it('Web-STOMP (stompjs over ws, /ws): send and receive one message', () => stompRoundTrip(closers, broker().endpoints['stomp-ws']!, stompGuest));
});
