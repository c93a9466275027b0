/**
 * A delivery that ends the connection every time it arrives (a browser refusing a binary body in a
 * WebSocket text frame) must not make the client reconnect for ever: after POISON_LOSSES such losses in a
 * row, with nothing delivered in between, the client stops with a typed error. Here a transport wrapped
 * around the in-memory one plays the browser: it drops the connection whenever a body holds 0xFF.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connect, ConnectionError, PayloadTooLargeError, type Client, type UnifiedMqError } from '../../src/index.js';
import { DeliveryFaults } from '../../src/core/delivery-faults.js';
import { POISON_LOSSES } from '../../src/core/publisher.js';
import type { Transport } from '../../src/core/transport.js';
import { MemoryBroker, memory } from '../../src/transports/memory/index.js';
import { eventually, sleep } from '../support/wait.js';

const brokers: MemoryBroker[] = [];
const clients: Client[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close({ drain: false })));
  await Promise.all(brokers.splice(0).map((b) => b.stop()));
});

/** The in-memory transport, except that a body holding 0xFF kills the connection it arrives on. */
function refusingBinary(): Transport {
  const inner = memory();
  return {
    ...inner,
    async open(endpoint, options) {
      const connection = await inner.open(endpoint, options);
      return {
        endpoint: connection.endpoint,
        capabilities: { ...connection.capabilities, binaryBodies: false },
        publish: (message, confirm) => connection.publish(message, confirm),
        ack: (delivery) => connection.ack(delivery),
        nack: (delivery, requeue) => connection.nack(delivery, requeue),
        close: () => connection.close(),
        subscribe: (request, deliver) =>
          connection.subscribe(request, (delivery) => {
            if (!delivery.bytes.includes(0xff)) return deliver(delivery);
            // Later, as a socket closes: the subscribe that brought the message back has resolved by then.
            setTimeout(() => void connection.close().then(() => options.onLost(new ConnectionError('text frame refused', { deliveryFault: true }))), 1);
          }),
      };
    },
  };
}

async function setup(): Promise<{ consumer: Client; producer: Client; errors: UnifiedMqError[]; losses: UnifiedMqError[] }> {
  const broker = new MemoryBroker({ name: `poison-${Math.random().toString(36).slice(2)}` });
  brokers.push(broker);
  await broker.start();
  const endpoints = [`memory://${broker.name}`];
  const failover = { initialDelayMs: 1, maxDelayMs: 5 };
  const consumer = await connect({ transport: refusingBinary(), endpoints, failover });
  const producer = await connect({ transport: memory(), endpoints });
  clients.push(consumer, producer);
  const errors: UnifiedMqError[] = [];
  const losses: UnifiedMqError[] = [];
  consumer.on('error', ({ error }) => void errors.push(error));
  consumer.on('disconnected', ({ error }) => void losses.push(error));
  return { consumer, producer, errors, losses };
}

describe('a delivery that ends the connection each time', () => {
  it(`stops the client with a typed error after ${POISON_LOSSES} losses in a row on a queue, instead of looping; the message stays queued`, async () => {
    const { consumer, producer, errors, losses } = await setup();
    const got: string[] = [];
    await consumer.consume('jobs', (m) => void got.push(m.text()));
    await producer.send('jobs', new Uint8Array([0x01, 0xff, 0x03]));
    await eventually(() => expect(errors).toHaveLength(1));
    expect(errors[0]).toBeInstanceOf(ConnectionError);
    expect(errors[0]!.retryable).toBe(false);
    expect(errors[0]!.message).toMatch(new RegExp(`lost ${POISON_LOSSES} times in a row`));
    expect(consumer.state).toBe('closed');
    expect(losses).toHaveLength(POISON_LOSSES);
    expect(got).toEqual([]);
    await sleep(50);
    expect(losses).toHaveLength(POISON_LOSSES);
    // Nothing lost: another consumer still finds the message.
    const rescued: Uint8Array[] = [];
    await producer.consume('jobs', (m) => void rescued.push(m.bytes));
    await eventually(() => expect(rescued).toEqual([new Uint8Array([0x01, 0xff, 0x03])]));
  });

  it('keeps going while messages get through between the losses (a topic: each refused message costs one connection)', async () => {
    const { consumer, producer, errors, losses } = await setup();
    const got: string[] = [];
    await consumer.subscribe('news', (m) => void got.push(m.text()));
    for (let round = 0; round < POISON_LOSSES + 2; round++) {
      await producer.publish('news', `text ${round}`);
      await eventually(() => expect(got).toHaveLength(round + 1));
      await producer.publish('news', new Uint8Array([0xff]));
      await eventually(() => expect(losses).toHaveLength(round + 1));
      await eventually(() => expect(consumer.state).toBe('connected'));
    }
    expect(errors).toEqual([]);
  });
});

describe('DeliveryFaults', () => {
  const fault = new ConnectionError('refused', { deliveryFault: true });
  const other = new ConnectionError('socket closed');

  it(`gives an error on the ${POISON_LOSSES}th fault in a row, and counts an oversized frame as one`, () => {
    const faults = new DeliveryFaults();
    for (let i = 1; i < POISON_LOSSES; i++) expect(faults.lost(i % 2 ? fault : new PayloadTooLargeError(2, 1, 'A frame'), false)).toBeUndefined();
    const stop = faults.lost(fault, false);
    expect(stop).toBeInstanceOf(ConnectionError);
    expect(stop!.cause).toBe(fault);
  });

  it('starts again after another kind of loss, or a connection that delivered a message', () => {
    const faults = new DeliveryFaults();
    for (let i = 1; i < POISON_LOSSES; i++) faults.lost(fault, false);
    expect(faults.lost(other, false)).toBeUndefined();
    for (let i = 1; i < POISON_LOSSES; i++) expect(faults.lost(fault, false)).toBeUndefined();
    expect(faults.lost(fault, true)).toBeUndefined();
    for (let i = 2; i < POISON_LOSSES; i++) expect(faults.lost(fault, false)).toBeUndefined();
    expect(faults.lost(fault, false)).toBeInstanceOf(ConnectionError);
  });
});
