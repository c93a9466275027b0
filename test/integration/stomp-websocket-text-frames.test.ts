/**
 * Binary bodies over STOMP on WebSocket at RabbitMQ's default `web_stomp.ws_frame = text`: the broker
 * sends every frame, binary bodies included, as a WebSocket text message. In Node the transport reads
 * them as bytes (the conformance suite's "carries binary bodies…" case runs on stomp-rabbitmq-ws). Here:
 * that the default really is text, and what happens on a platform that refuses invalid UTF-8 in a text
 * message, as browsers do (played by `ws` with its UTF-8 check on, given as stomp({ WebSocket })).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { connect, ConnectionError, type Client, type Message, type UnifiedMqError } from '../../src/index.js';
import { POISON_LOSSES } from '../../src/core/publisher.js';
import { stomp } from '../../src/transports/stomp/index.js';
import type { BrokerInfo } from '../support/brokers.js';
import { sharedBroker } from '../support/shared-brokers.js';
import { eventually, randomName } from '../support/wait.js';

let broker: BrokerInfo;
const clients: Client[] = [];

beforeAll(() => {
  broker = sharedBroker('rabbitmq');
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close({ drain: false })));
});

async function client(transport = stomp(), endpoint = broker.endpoints['stomp-ws']!): Promise<Client> {
  const c = await connect({
    transport,
    endpoints: [endpoint],
    username: broker.username,
    password: broker.password,
    failover: { initialDelayMs: 10, maxDelayMs: 100 },
  });
  clients.push(c);
  return c;
}

describe('STOMP over WebSocket at RabbitMQ’s default web_stomp.ws_frame = text', () => {
  it('the broker sends frames as WebSocket text messages, and a binary body makes a UTF-8-checking socket fail', async () => {
    const producer = await client(stomp(), broker.endpoints.stomp!);
    const queue = randomName('raw-text-frames');
    await producer.send(queue, new Uint8Array([0x01, 0xff, 0x03]));
    const ws = new WebSocket(broker.endpoints['stomp-ws']!, ['v12.stomp']);
    const kinds: boolean[] = [];
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    const errors: Error[] = [];
    ws.on('error', (error) => void errors.push(error));
    ws.on('message', (data, isBinary) => {
      kinds.push(isBinary);
      if (data.toString().startsWith('CONNECTED')) ws.send(`SUBSCRIBE\nid:0\ndestination:/queue/${queue}\nack:client-individual\n\n\0`);
    });
    ws.on('open', () => ws.send(`CONNECT\naccept-version:1.2\nhost:/\nlogin:${broker.username}\npasscode:${broker.password}\n\n\0`));
    // `ws` sends close 1007 (RFC 6455 §7.4.1) and reports 1006 locally when the broker drops the TCP connection.
    expect([1006, 1007]).toContain(await closed);
    expect(errors.map((e) => e.message)).toEqual([expect.stringMatching(/invalid UTF-8/i)]);
    expect(kinds).toEqual([false]); // CONNECTED came as text; the MESSAGE never made it
  });

  it(`on a platform that refuses it: binaryBodies is false, a topic message costs one connection with an error naming the setting, and a queued one stops the client after ${POISON_LOSSES} losses instead of looping; nothing is lost`, async () => {
    const producer = await client(stomp(), broker.endpoints.stomp!);
    const refusing = await client(stomp({ WebSocket }));
    expect(refusing.capabilities.binaryBodies).toBe(false);
    const losses: UnifiedMqError[] = [];
    const errors: UnifiedMqError[] = [];
    refusing.on('disconnected', ({ error }) => void losses.push(error));
    refusing.on('error', ({ error }) => void errors.push(error));

    // A topic: the binary message is lost to this subscriber, reported once; text before and after arrives.
    const topic = randomName('text-frames');
    const got: string[] = [];
    await refusing.subscribe(topic, (m) => void got.push(m.text()));
    await producer.publish(topic, 'before');
    await eventually(() => expect(got).toEqual(['before']));
    await producer.publish(topic, new Uint8Array([0x00, 0xff]));
    await eventually(() => expect(losses).toHaveLength(1));
    expect(losses[0]).toBeInstanceOf(ConnectionError);
    expect(losses[0]!.deliveryFault).toBe(true);
    expect(losses[0]!.message).toMatch(/not valid UTF-8.*web_stomp\.ws_frame = binary/);
    await eventually(() => expect(refusing.state).toBe('connected'));
    await producer.publish(topic, 'after');
    await eventually(() => expect(got).toEqual(['before', 'after']));

    // A queue: the broker hands the message out again on every connection. The client stops.
    const queue = randomName('text-frames-q');
    await refusing.consume(queue, (m) => void got.push(m.text()));
    await producer.send(queue, new Uint8Array([0x01, 0xff, 0x03]));
    await eventually(() => expect(errors).toHaveLength(1), 30_000);
    expect(errors[0]).toBeInstanceOf(ConnectionError);
    expect(errors[0]!.retryable).toBe(false);
    expect(errors[0]!.message).toMatch(new RegExp(`lost ${POISON_LOSSES} times in a row.*web_stomp\\.ws_frame = binary`));
    expect(refusing.state).toBe('closed');
    expect(losses).toHaveLength(1 + POISON_LOSSES);

    // Nothing lost: a Node consumer takes the message, bytes intact.
    const rescued: Message[] = [];
    await producer.consume(queue, (m) => void rescued.push(m));
    await eventually(() => expect(rescued).toHaveLength(1));
    expect(rescued[0]!.bytes).toEqual(new Uint8Array([0x01, 0xff, 0x03]));
  }, 60_000);
});
