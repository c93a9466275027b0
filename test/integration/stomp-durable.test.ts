/**
 * Durable topic subscriptions over STOMP: ActiveMQ (`activemq.subscriptionName` with the CONNECT
 * `client-id`) and RabbitMQ (`durable:true`, `auto-delete:false`, a stable `id`). Messages published
 * while the subscriber is away wait for it; an explicit unsubscribe ends the subscription for good.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError, RejectedError } from '../../src/core/errors.js';
import type { Delivery, TransportConnection } from '../../src/core/transport.js';
import type { BrokerInfo } from '../support/brokers.js';
import { sharedBroker } from '../support/shared-brokers.js';
import { eventually, randomName, sleep } from '../support/wait.js';
import { closeAll, message, openStomp, request, text, uniqueClientId } from './stomp-support.js';

const targets: Array<{ name: string; broker: () => BrokerInfo; dialect: 'activemq' | 'rabbitmq' }> = [
  { name: 'ActiveMQ', broker: () => sharedBroker('activemq'), dialect: 'activemq' },
  { name: 'RabbitMQ', broker: () => sharedBroker('rabbitmq'), dialect: 'rabbitmq' },
];

const open: TransportConnection[] = [];
afterEach(async () => {
  await closeAll(open.splice(0));
});

describe.each(targets)('STOMP durable subscriptions on $name', (target) => {
  async function connection(clientId = uniqueClientId()) {
    const opened = await openStomp(target.broker().endpoints.stomp!, target.broker(), { clientId });
    open.push(opened.connection);
    return opened;
  }

  it('keeps what is published while the subscriber is away, and forgets it after unsubscribe', async () => {
    const clientId = uniqueClientId();
    const topic = randomName('durable');
    const durable = 'orders';
    const first = await connection(clientId);
    const seen: Delivery[] = [];
    await first.connection.subscribe(request(topic, { durable }), (d) => void seen.push(d));
    await first.connection.close();

    const producer = (await connection()).connection;
    await producer.publish(message(topic, 'while away 1', { persistent: true }), true);
    await producer.publish(message(topic, 'while away 2', { persistent: true }), true);

    const second = await connection(clientId);
    const got: Delivery[] = [];
    const sub = await second.connection.subscribe(request(topic, { durable }), (d) => {
      got.push(d);
      void second.connection.ack(d);
    });
    await eventually(() => expect(got.map(text)).toEqual(['while away 1', 'while away 2']));
    expect(seen).toEqual([]);
    await sleep(200);
    await sub.unsubscribe();
    await second.connection.close();

    await producer.publish(message(topic, 'after unsubscribe', { persistent: true }), true);
    const third = await connection(clientId);
    const later: Delivery[] = [];
    await third.connection.subscribe(request(topic, { durable }), (d) => void later.push(d));
    await producer.publish(message(topic, 'new subscription', { persistent: true }), true);
    await eventually(() => expect(later.map(text)).toEqual(['new subscription']));
    await sleep(300);
    expect(later.map(text)).toEqual(['new subscription']);
    expect(third.lost).toEqual([]);
  });

  it('refuses a second subscription with the same durable name on one client, and keeps the connection', async () => {
    const { connection: c, lost } = await connection();
    const topic = randomName('twice');
    await c.subscribe(request(topic, { durable: 'same' }), () => undefined);
    const error = await c.subscribe(request(topic, { durable: 'same' }), () => undefined).catch((e: unknown) => e);
    // ActiveMQ refuses it ("Durable consumer is in use", matched by receipt-id); on RabbitMQ the durable
    // subscription's STOMP id is derived from the client id and name, so the transport refuses it first.
    expect(error).toBeInstanceOf(target.dialect === 'activemq' ? RejectedError : InvalidArgumentError);
    const got: Delivery[] = [];
    await c.subscribe(request(topic), (d) => void got.push(d));
    await c.publish(message(topic, 'still connected'), true);
    await eventually(() => expect(got.map(text)).toEqual(['still connected']));
    expect(lost).toEqual([]);
  });
});
