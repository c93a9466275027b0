import { afterEach, describe, expect, it } from 'vitest';
import { AuthenticationError, connect, ConnectionError } from '../../src/index.js';
import { MemoryBroker, memory } from '../../src/transports/memory/index.js';

const brokers: MemoryBroker[] = [];
afterEach(async () => {
  await Promise.all(brokers.splice(0).map((b) => b.stop()));
});

describe('startup', () => {
  it('rejects with ConnectionError after startupMaxAttempts, naming every endpoint and its cause, without the password', async () => {
    const refusing = new MemoryBroker({ name: 'refusing' });
    brokers.push(refusing);
    await refusing.start();
    refusing.refuseConnections();
    const attempts: string[] = [];
    const transport = memory();
    const counting = { ...transport, open: (...args: Parameters<typeof transport.open>) => (attempts.push(args[0].display), transport.open(...args)) };
    const error = await connect({
      transport: counting,
      endpoints: ['memory://app:hunter2@missing', 'memory://app:hunter2@refusing'],
      failover: { startupMaxAttempts: 3, initialDelayMs: 1, maxDelayMs: 2 },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    const failure = error as ConnectionError;
    expect(failure.message).toContain('memory://app:***@missing: ');
    expect(failure.message).toContain('memory://app:***@refusing: ');
    expect(failure.message).toMatch(/no in-memory broker is started/);
    expect(failure.message).toMatch(/connections are refused/);
    expect(failure.failures.map((f) => f.endpoint)).toEqual(['memory://app:***@missing', 'memory://app:***@refusing']);
    expect(JSON.stringify(failure) + failure.message + failure.stack).not.toContain('hunter2');
    // startupMaxAttempts counts passes over the list: 3 passes × 2 endpoints, then no more.
    expect(attempts).toEqual(Array.from({ length: 3 }, () => ['memory://app:***@missing', 'memory://app:***@refusing']).flat());
    await new Promise((r) => setTimeout(r, 20));
    expect(attempts).toHaveLength(6);
  });

  it('gives up on wrong credentials at once instead of retrying in a loop', async () => {
    const secured = new MemoryBroker({ name: 'secured', users: { app: 'right' } });
    brokers.push(secured);
    await secured.start();
    let opened = 0;
    const transport = memory();
    const counting = { ...transport, open: (...args: Parameters<typeof transport.open>) => (opened++, transport.open(...args)) };
    const error = await connect({ transport: counting, endpoints: ['memory://secured'], username: 'app', password: 'wrong-pass' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(opened).toBe(1);
    expect((error as Error).message).not.toContain('wrong-pass');
  });

  it('aborts connecting when the signal fires', async () => {
    const controller = new AbortController();
    const pending = connect({ transport: memory(), endpoints: ['memory://nowhere'], signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toThrow(/aborted/);
  });

  it('connects to the standby when the first endpoint refuses', async () => {
    const b = new MemoryBroker({ name: 'second' });
    brokers.push(b);
    await b.start();
    const client = await connect({ transport: memory(), endpoints: ['memory://first', 'memory://second'] });
    expect(client.state).toBe('connected');
    expect(client.endpoint).toBe('memory://second');
    await client.close();
    expect(client.state).toBe('closed');
  });
});
