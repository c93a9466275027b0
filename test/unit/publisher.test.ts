import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConnectionError } from '../../src/core/errors.js';
import type { ConnectionEpoch } from '../../src/core/message.js';
import { Publisher } from '../../src/core/publisher.js';
import type { OutgoingMessage, TransportConnection } from '../../src/core/transport.js';

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
