/**
 * AMQP 1.0 and the other protocols on one RabbitMQ 3.10, with the other side on the RAW client
 * libraries (stompjs over @stomp/tcp-wrapper, mqtt.js with protocolVersion 4): what the AMQP transport
 * sends must be what any STOMP or MQTT client sees, and the other way round.
 */
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Delivery } from '../../src/core/transport.js';
import type { BrokerInfo } from '../support/brokers.js';
import { rawMqtt, rawStomp, type RawStomp } from '../support/raw-clients.js';
import { sharedBroker } from '../support/shared-brokers.js';
import { eventually, randomName, sleep } from '../support/wait.js';
import { message, openAmqp, request, text, type Opened } from './amqp-support.js';

const body = 'héllo, wörld: {"id": 7}';
let broker: BrokerInfo;
let amqp: Opened;
let stomp: RawStomp;
let mqttClient: MqttClient;

beforeAll(async () => {
  broker = sharedBroker('rabbitmq');
  amqp = await openAmqp(broker.endpoints.amqp!, broker);
  stomp = await rawStomp(broker.endpoints.stomp!, { login: broker.username!, passcode: broker.password! });
  mqttClient = await rawMqtt(broker.endpoints.mqtt!, { protocolVersion: 4, username: broker.username, password: broker.password });
});

afterAll(async () => {
  await Promise.all([amqp?.connection.close(), stomp?.close(), mqttClient?.endAsync()]);
});

describe('AMQP 1.0 ↔ STOMP and MQTT on RabbitMQ 3.10 (raw clients on the other side)', () => {
  it('an AMQP send to a queue is consumed by a STOMP consumer, body and properties intact', async () => {
    const queue = randomName('a2s');
    const { bodies, frames } = stomp.collect(`/queue/${queue}`);
    await amqp.connection.publish(
      message(queue, body, { kind: 'queue', headers: { tenant: 'a' }, contentType: 'text/plain', correlationId: 'c-1' }),
      true,
    );
    await eventually(() => expect(bodies).toEqual([body]));
    expect(frames[0]!.headers).toMatchObject({ 'content-type': 'text/plain', 'correlation-id': 'c-1', persistent: 'true' });
    // RabbitMQ 3.10 does not turn application-properties into STOMP headers: it passes them on
    // AMQP-encoded in one header (docs/protocols.md, "Across protocols").
    expect(frames[0]!.headers.tenant).toBeUndefined();
    expect(frames[0]!.headers['x-amqp-1.0-app-properties']).toContain('tenant');
    await sleep(300);
    expect(bodies).toHaveLength(1);
  });

  it('a STOMP send to a queue is consumed by the AMQP transport, destination and body intact', async () => {
    const queue = randomName('s2a');
    const got: Delivery[] = [];
    await amqp.connection.subscribe(request(queue, { kind: 'queue' }), (d) => {
      got.push(d);
      void amqp.connection.ack(d);
    });
    stomp.client.publish({ destination: `/queue/${queue}`, body, headers: { tenant: 'b', 'content-type': 'text/plain' } });
    await eventually(() => expect(got).toHaveLength(1));
    expect([got[0]!.destination, text(got[0]!), got[0]!.contentType]).toEqual([queue, body, 'text/plain']);
    // RabbitMQ 3.10 drops STOMP's custom headers on the way to AMQP 1.0 (no application-properties).
    expect(got[0]!.headers).toEqual({});
  });

  it('an AMQP publish to a topic reaches an MQTT 3.1.1 subscriber, exact and wildcard', async () => {
    const root = randomName('a2m');
    const exact: string[] = [];
    const wild: string[] = [];
    const exactTopic = `${root.replaceAll('.', '/')}/eu/created`;
    const wildTopic = `${root.replaceAll('.', '/')}/+/created`;
    mqttClient.on('message', (topic, payload) => {
      if (topic === exactTopic) exact.push(payload.toString('utf8'));
    });
    await mqttClient.subscribeAsync(exactTopic, { qos: 1 });
    const other = await rawMqtt(broker.endpoints.mqtt!, { protocolVersion: 4, username: broker.username, password: broker.password });
    try {
      other.on('message', (topic, payload) => void wild.push(`${topic}=${payload.toString('utf8')}`));
      await other.subscribeAsync(wildTopic, { qos: 1 });
      await amqp.connection.publish(message(`${root}.eu.created`, body), true);
      await amqp.connection.publish(message(`${root}.us.created`, 'second'), true);
      await eventually(() => {
        expect(exact).toEqual([body]);
        expect(wild.sort()).toEqual([`${root.replaceAll('.', '/')}/eu/created=${body}`, `${root.replaceAll('.', '/')}/us/created=second`]);
      });
    } finally {
      await other.endAsync();
    }
  });

  it('an MQTT publish reaches an AMQP topic subscriber, named by its routing key', async () => {
    const root = randomName('m2a');
    const got: Delivery[] = [];
    await amqp.connection.subscribe(request(`${root}.#`), (d) => {
      got.push(d);
      void amqp.connection.ack(d);
    });
    await mqttClient.publishAsync(`${root.replaceAll('.', '/')}/x/y`, body, { qos: 1 });
    await eventually(() => expect(got).toHaveLength(1));
    expect([got[0]!.destination, text(got[0]!)]).toEqual([`${root}.x.y`, body]);
  });
});
