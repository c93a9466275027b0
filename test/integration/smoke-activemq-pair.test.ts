/**
 * Smoke: the ActiveMQ active/standby pair (shared KahaDB, shared-file-locker) keeps a persistent message
 * across a SIGKILL of the active broker, and the standby takes over within 10 s. Before that: the
 * standby's closed ports, behind Docker's port proxy, are refusals to every transport.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, ConnectionError, type Transport } from '../../src/index.js';
import { isRefusal } from '../../src/core/errors.js';
import { mqtt } from '../../src/transports/mqtt/index.js';
import { stomp } from '../../src/transports/stomp/index.js';
import { startActiveMQPair, type ActiveMQPair } from '../support/brokers.js';
import { rawStomp } from '../support/raw-clients.js';
import { eventually, randomName, sleep } from '../support/wait.js';
import { Closers, SETTLE_MS } from './smoke-helpers.js';

const closers = new Closers();
afterAll(() => closers.closeAll());

describe('smoke: ActiveMQ active/standby pair', () => {
  let pair: ActiveMQPair;
  beforeAll(async () => {
    pair = await startActiveMQPair();
    closers.add(() => pair.dispose());
  }, 180_000);

  // The proxy accepts the connect, then closes it or (most attempts) resets it. Either way nothing listens,
  // and the endpoint walk must treat the attempt as free (a refusal): a reset taken for a failed handshake
  // backed the walk off to 200 ms, which the client added to every takeover (kit/refusal.ts).
  it('the standby\'s closed ports are refusals, whether the port proxy closes or resets: 20 attempts per transport', async () => {
    const standby: Array<[string, Transport, string]> = [['MQTT', mqtt(), pair.endpoints.mqtt![1]], ['STOMP', stomp(), pair.endpoints.stomp![1]]];
    for (const [name, transport, endpoint] of standby) {
      const failures: string[] = [];
      for (let i = 0; i < 20; i++) {
        const error = await connect({ transport, endpoints: [endpoint], failover: { startupMaxAttempts: 1 }, connectTimeoutMs: 2000 }).then(
          (client) => client.close().then(() => new Error('the standby accepted a connection')),
          (e: unknown) => e,
        );
        expect(error, name).toBeInstanceOf(ConnectionError);
        const cause = (error as ConnectionError).failures[0]?.error;
        if (!isRefusal(cause)) failures.push(`${name}: ${cause?.message}`);
      }
      expect(failures).toEqual([]);
    }
  });

  it('a persistent STOMP message survives a SIGKILL of the active broker; the standby serves within 10 s', async () => {
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
