/**
 * Smoke: the ActiveMQ active/standby pair (shared KahaDB, shared-file-locker) keeps a persistent message
 * across a SIGKILL of the active broker, and the standby takes over within 10 s.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { startActiveMQPair, type ActiveMQPair } from '../support/brokers.js';
import { rawStomp } from '../support/raw-clients.js';
import { eventually, randomName, sleep } from '../support/wait.js';
import { Closers, SETTLE_MS } from './smoke-helpers.js';

const closers = new Closers();
afterAll(() => closers.closeAll());

describe('smoke: ActiveMQ active/standby pair', () => {
  it('a persistent STOMP message survives a SIGKILL of the active broker; the standby serves within 10 s', async () => {
    const pair: ActiveMQPair = await startActiveMQPair();
    closers.add(() => pair.dispose());
    // Both endpoints are known up front; only a serves.
    expect(pair.endpoints.stomp).toHaveLength(2);
    expect(pair.endpoints.mqtt).toHaveLength(2);
    expect(await pair.active()).toBe('a');

    const queue = `/queue/${randomName('takeover')}`;
    const body = `survives ${queue}`;
    const producer = await rawStomp(pair.endpoints.stomp![0]);
    closers.add(() => producer.close());
    // The RECEIPT means the broker has stored the persistent message.
    await new Promise<void>((resolve) => {
      producer.client.watchForReceipt('r1', () => resolve());
      producer.client.publish({ destination: queue, body, headers: { persistent: 'true', receipt: 'r1' } });
    });

    const killedAt = Date.now();
    await pair.a.kill();
    expect(await pair.waitForActive(10_000)).toBe('b');
    const takeoverMs = Date.now() - killedAt;
    console.log(`ActiveMQ pair: standby serving ${takeoverMs} ms after SIGKILL of the active broker`);
    expect(takeoverMs).toBeLessThan(10_000);

    const consumer = await rawStomp(pair.endpoints.stomp![1]);
    closers.add(() => consumer.close());
    const { bodies } = consumer.collect(queue);
    await eventually(() => expect(bodies).toEqual([body]));
    await sleep(SETTLE_MS);
    expect(bodies).toEqual([body]);
  });
});
