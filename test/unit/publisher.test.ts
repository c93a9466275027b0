import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConnectionError, InvalidArgumentError, RejectedError } from '../../src/core/errors.js';
import { connect } from '../../src/index.js';
import { MemoryBroker, memory } from '../../src/transports/memory/index.js';
import type { ConnectionEpoch } from '../../src/core/message.js';
import { POISON_LOSSES, Publisher } from '../../src/core/publisher.js';
import { SETTLED, type OutgoingMessage, type TransportConnection } from '../../src/core/transport.js';

afterEach(() => void vi.useRealTimers());

describe('Publisher', () => {
  it('writes again a message the broker keeps turning away, with a growing pause, until it takes it', async () => {
    vi.useFakeTimers();
    const writes: number[] = [];
    let refusals = 6;
    const connection = {
      publish: () => {
        writes.push(Date.now());
        // A retryable refusal on a connection that stays up (AMQP `released`).
        return refusals-- > 0 ? Promise.reject(new ConnectionError('released', { retryable: true })) : Promise.resolve();
      },
    } as unknown as TransportConnection;
    const epoch: ConnectionEpoch = { connection, alive: true };
    const publisher = new Publisher({ maxMessages: 10, maxBytes: 1024, overflow: 'reject' }, undefined);
    publisher.connected(epoch);
    const message = { destination: 'q', kind: 'queue', bytes: new Uint8Array(1), headers: {}, possibleDuplicate: false } as unknown as OutgoingMessage;
    let done = false;
    void publisher.publish(message, true).then(() => void (done = true));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(done).toBe(true);
    expect(writes).toHaveLength(7);
    const pauses = writes.slice(1).map((t, i) => t - writes[i]!);
    expect(pauses).toEqual([5, 10, 20, 40, 80, 160]);
  });
});

describe('Publisher, a message written at once without confirmation (SETTLED)', () => {
  it('settles it in the same turn, in order with the others, and is drained with nothing in flight', async () => {
    const order: string[] = [];
    let confirm!: () => void;
    const connection = {
      publish: (m: OutgoingMessage, confirmed: boolean) => {
        order.push(`write ${new TextDecoder().decode(m.bytes)}`);
        return confirmed ? new Promise<void>((resolve) => (confirm = resolve)) : SETTLED;
      },
    } as unknown as TransportConnection;
    const publisher = new Publisher({ maxMessages: 10, maxBytes: 1024, overflow: 'reject' }, undefined);
    publisher.connected({ connection, alive: true });
    const message = (body: string) =>
      ({ destination: 't', kind: 'topic', bytes: new TextEncoder().encode(body), headers: {}, possibleDuplicate: false }) as unknown as OutgoingMessage;
    const confirmed = publisher.publish(message('a'), true).then(() => void order.push('a settled'));
    const unconfirmed = publisher.publish(message('b'), false).then(() => void order.push('b settled'));
    expect(publisher.inFlight).toBe(1); // only the confirmed one waits for the broker
    await unconfirmed;
    const drained = publisher.drained().then(() => void order.push('drained'));
    confirm();
    await Promise.all([confirmed, drained]);
    expect(order).toEqual(['write a', 'write b', 'b settled', 'a settled', 'drained']);
    expect(publisher.inFlight).toBe(0);
  });
});

describe('Publisher, a message the broker drops the connection over', () => {
  it('is rejected after being the oldest unconfirmed message on POISON_LOSSES lost connections in a row; the others go on', async () => {
    const written: string[] = [];
    const connection = {
      publish: (m: OutgoingMessage) => {
        written.push(new TextDecoder().decode(m.bytes));
        return new Promise<void>(() => undefined); // never confirmed: the connection dies first
      },
    } as unknown as TransportConnection;
    const publisher = new Publisher({ maxMessages: 10, maxBytes: 1024, overflow: 'reject' }, undefined);
    const message = (body: string) =>
      ({ destination: 'q', kind: 'queue', bytes: new TextEncoder().encode(body), headers: {}, possibleDuplicate: false }) as unknown as OutgoingMessage;
    publisher.connected({ connection, alive: true });
    const poison = publisher.publish(message('poison'), true);
    void publisher.publish(message('innocent'), true);
    for (let i = 1; i < POISON_LOSSES; i++) {
      publisher.connectionLost();
      publisher.connected({ connection, alive: true });
    }
    expect(publisher.inFlight).toBe(2);
    publisher.connectionLost();
    await expect(poison).rejects.toBeInstanceOf(RejectedError);
    await expect(poison).rejects.toThrow(/lost 5 times in a row while this message was the oldest one awaiting confirmation/);
    expect(publisher.buffered).toBe(1); // the innocent one waits for the next connection
    publisher.connected({ connection, alive: true });
    expect(written.slice(-1)).toEqual(['innocent']);
  });
});

describe('Publisher, a transport that throws instead of rejecting', () => {
  it('rejects the publish with that error and keeps nothing in flight, so drained() resolves', async () => {
    const refused = new Error('cannot encode');
    const connection = {
      publish: () => {
        throw refused;
      },
    } as unknown as TransportConnection;
    const publisher = new Publisher({ maxMessages: 10, maxBytes: 1024, overflow: 'reject' }, undefined);
    publisher.connected({ connection, alive: true });
    const message = { destination: 't', kind: 'topic', bytes: new Uint8Array(1), headers: {}, possibleDuplicate: false } as unknown as OutgoingMessage;
    await expect(publisher.publish(message, false)).rejects.toBe(refused);
    expect(publisher.inFlight).toBe(0);
    await publisher.drained();
  });
});

describe('publish options out of range', () => {
  it('rejects a priority outside 0..9 and a TTL that is not 1 to 2^32-1 whole milliseconds with InvalidArgumentError, and sends nothing', async () => {
    const broker = new MemoryBroker({ name: `publisher-range-${process.pid}` });
    await broker.start();
    const client = await connect({ transport: memory(), endpoints: [broker.url] });
    try {
      const got: number[] = [];
      await client.subscribe('range.t', (m) => void got.push(m.bytes.byteLength));
      for (const priority of [-1, 10, 300, 1.5, Number.NaN]) {
        await expect(client.publish('range.t', 'x', { priority })).rejects.toThrow(InvalidArgumentError);
      }
      for (const ttlMs of [0, -1, 1.5, 2 ** 32, Number.POSITIVE_INFINITY]) {
        await expect(client.publish('range.t', 'x', { ttlMs })).rejects.toThrow(/Option "ttlMs" must be a whole number of milliseconds from 1 to 4294967295/);
      }
      await client.publish('range.t', 'ok', { ttlMs: 2 ** 32 - 1 });
      expect(client.pending).toEqual({ buffered: 0, inFlight: 0 });
      await vi.waitFor(() => expect(got).toEqual([2]));
    } finally {
      await client.close();
      await broker.stop();
    }
  });
});
