/**
 * One broker, two protocols, the other side a raw client (stompjs over @stomp/tcp-wrapper): an MQTT
 * publish to `a.b` (topic a/b) reaches a STOMP subscriber of /topic/a.b with its body intact, text and
 * binary, and a STOMP send reaches the MQTT transport's subscription, wildcards included.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Delivery, TransportConnection } from '../../src/core/transport.js';
import type { BrokerInfo } from '../support/brokers.js';
import { rawStomp, type RawStomp } from '../support/raw-clients.js';
import { sharedBroker } from '../support/shared-brokers.js';
import { eventually, randomName, sleep } from '../support/wait.js';
import { closeAll, message, openMqtt, request } from './mqtt-support.js';

const TEXT = 'héllo, wörld: {"id": 7} ✓';
const BINARY = Uint8Array.from({ length: 256 }, (_, i) => i);

const open: TransportConnection[] = [];
const stomps: RawStomp[] = [];
afterEach(async () => {
  await closeAll(open.splice(0));
  await Promise.all(stomps.splice(0).map((s) => s.close().catch(() => undefined)));
});

describe.each([
  { name: 'ActiveMQ', broker: () => sharedBroker('activemq') },
  { name: 'RabbitMQ', broker: () => sharedBroker('rabbitmq') },
])('MQTT and STOMP on $name', ({ broker }) => {
  async function mqttConnection(): Promise<TransportConnection> {
    const b: BrokerInfo = broker();
    const { connection } = await openMqtt(b.endpoints.mqtt!, b);
    open.push(connection);
    return connection;
  }

  async function stompClient(): Promise<RawStomp> {
    const b = broker();
    const client = await rawStomp(b.endpoints.stomp!, b.username ? { login: b.username, passcode: b.password! } : undefined);
    stomps.push(client);
    return client;
  }

  it('an MQTT publish to a.b reaches a STOMP subscriber of /topic/a.b, text and binary bodies intact', async () => {
    const topic = randomName('m2s');
    const stomp = await stompClient();
    const { frames, ready } = stomp.collect(`/topic/${topic}`);
    await ready;
    const c = await mqttConnection();
    await c.publish(message(topic, TEXT), true);
    await c.publish(message(topic, BINARY), true);
    await eventually(() => expect(frames).toHaveLength(2));
    expect(new TextDecoder().decode(frames[0]!.binaryBody)).toBe(TEXT);
    expect(frames[1]!.binaryBody).toEqual(BINARY);
  });

  it('a STOMP send to /topic/a.b.c reaches an MQTT subscription to a.*.c, body intact', async () => {
    const root = randomName('s2m');
    const c = await mqttConnection();
    const got: Delivery[] = [];
    await c.subscribe(request(`${root}.*.c`), (d) => { got.push(d); void c.ack(d); });
    const stomp = await stompClient();
    stomp.client.publish({ destination: `/topic/${root}.b.c`, binaryBody: BINARY });
    stomp.client.publish({ destination: `/topic/${root}.b.d`, body: 'not for this subscription' });
    stomp.client.publish({ destination: `/topic/${root}.x.c`, body: TEXT });
    await eventually(() => expect(got).toHaveLength(2));
    await sleep(300);
    expect(got.map((d) => d.destination)).toEqual([`${root}.b.c`, `${root}.x.c`]);
    expect(got[0]!.bytes).toEqual(BINARY);
    expect(new TextDecoder().decode(got[1]!.bytes)).toBe(TEXT);
  });
});
