import { afterEach, describe, expect, it, vi } from 'vitest';
import { connect, type Client, type Message } from '../../src/index.js';
import { MemoryBroker, MemoryStore, memory } from '../../src/transports/memory/index.js';
import { eventually } from '../support/wait.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function pair(prefix: string) {
  const store = new MemoryStore();
  const a = new MemoryBroker({ name: `${prefix}-a`, store });
  const b = new MemoryBroker({ name: `${prefix}-b`, store });
  await a.start();
  await b.start();
  cleanup.push(async () => {
    await a.stop();
    await b.stop();
  });
  return { a, b, store };
}

async function client(endpoints: string[], extra: Record<string, unknown> = {}): Promise<Client> {
  const c = await connect({ transport: memory(), endpoints, ...extra });
  cleanup.push(() => c.close({ drain: false }));
  return c;
}

describe('failover', () => {
  it('detects a hung broker through the heartbeat within 1.5 × heartbeatMs, then fails over', async () => {
    // Fake timers make the bound exact and immune to machine load: this checks the contract, not speed.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'clearImmediate', 'Date'] });
    try {
      const a = new MemoryBroker({ name: 'hang-a' });
      const b = new MemoryBroker({ name: 'hang-b' });
      await a.start();
      await b.start();
      cleanup.push(async () => {
        await a.stop();
        await b.stop();
      });
      const heartbeatMs = 1000;
      const connecting = connect({ transport: memory(), endpoints: [a.url, b.url], heartbeatMs });
      await vi.advanceTimersByTimeAsync(5);
      const c = await connecting;
      cleanup.push(() => c.close({ drain: false }));
      let lostAt = 0;
      c.on('disconnected', () => void (lostAt = Date.now()));
      const failovers: Array<{ from: string; to: string }> = [];
      c.on('failover', (e) => void failovers.push(e));
      await vi.advanceTimersByTimeAsync(3 * heartbeatMs); // a few healthy heartbeats first
      expect(lostAt).toBe(0);
      const hungAt = Date.now();
      a.hang();
      while (lostAt === 0 && Date.now() - hungAt < 5 * heartbeatMs) await vi.advanceTimersByTimeAsync(10);
      expect(lostAt - hungAt).toBeGreaterThanOrEqual(heartbeatMs);
      expect(lostAt - hungAt).toBeLessThanOrEqual(1.5 * heartbeatMs);
      await vi.advanceTimersByTimeAsync(100);
      expect(failovers).toMatchObject([{ from: a.url, to: b.url }]);
      expect(c.state).toBe('connected');
    } finally {
      vi.useRealTimers();
    }
  });

  it('completes a publish made while disconnected after reconnection', async () => {
    const broker = new MemoryBroker({ name: 'outage' });
    await broker.start();
    cleanup.push(() => broker.stop());
    const c = await client([broker.url], { failover: { initialDelayMs: 5, maxDelayMs: 20 } });
    const got: string[] = [];
    await c.consume('jobs', (m) => void got.push(new TextDecoder().decode(m.bytes)));
    broker.crash();
    await eventually(() => expect(c.state).toBe('reconnecting'));
    let resolved = false;
    const pending = c.send('jobs', 'while down').then(() => void (resolved = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(resolved).toBe(false);
    expect(c.pending.buffered).toBe(1);
    await broker.restart();
    await pending;
    await eventually(() => expect(got).toEqual(['while down']));
  });

  it('rejects with BufferOverflowError when the buffer is full (reject), or drops the oldest (drop-oldest)', async () => {
    const broker = new MemoryBroker({ name: 'overflow' });
    await broker.start();
    cleanup.push(() => broker.stop());
    const reject = await client([broker.url], { buffer: { maxMessages: 2, overflow: 'reject' } });
    const drop = await client([broker.url], { buffer: { maxMessages: 2, overflow: 'drop-oldest' } });
    broker.crash();
    await eventually(() => expect([reject.state, drop.state]).toEqual(['reconnecting', 'reconnecting']));
    const kept = [reject.send('q', '1'), reject.send('q', '2')];
    await expect(reject.send('q', '3')).rejects.toMatchObject({ name: 'BufferOverflowError', code: 'BUFFER_OVERFLOW' });
    const oldest = drop.send('q', 'a');
    const newer = [drop.send('q', 'b'), drop.send('q', 'c')];
    await expect(oldest).rejects.toMatchObject({ name: 'BufferOverflowError' });
    const bytes = await connect({ transport: memory(), endpoints: ['memory://overflow-none'], buffer: { maxBytes: 4 }, failover: { startupMaxAttempts: 1 } }).catch((e) => e);
    expect(bytes).toMatchObject({ name: 'ConnectionError' });
    await broker.restart();
    await Promise.all([...kept, ...newer]);
  });

  it('re-sends unconfirmed publishes with the same messageId, flagged as possible duplicates', async () => {
    const { a, b } = await pair('resend');
    const producer = await client([a.url, b.url]);
    const consumer = await client([a.url, b.url]);
    const got: Message[] = [];
    await consumer.consume('orders', (m) => void got.push(m), { prefetch: 1000 });
    const n = 20;
    const confirms = Array.from({ length: n }, (_, i) => producer.send('orders', String(i), { messageId: `m-${i}` }));
    // The broker stored them synchronously; its confirmations are still in its outbox when it dies.
    expect(producer.pending.inFlight).toBe(n);
    a.crash();
    await Promise.all(confirms);
    await eventually(() => expect(got.length).toBe(2 * n));
    const byId = new Map<string, Message[]>();
    for (const m of got) byId.set(m.messageId!, [...(byId.get(m.messageId!) ?? []), m]);
    expect([...byId.keys()].sort()).toEqual(Array.from({ length: n }, (_, i) => `m-${i}`).sort());
    for (const copies of byId.values()) {
      expect(copies).toHaveLength(2);
      expect(copies.filter((m) => m.possibleDuplicate).length).toBeGreaterThanOrEqual(1);
    }
    expect(b.status).toBe('active');
  });

  it('never sends an ack for a message received on a lost connection; the broker redelivers it', async () => {
    const { a, b } = await pair('epoch');
    const c = await client([a.url, b.url]);
    const got: Message[] = [];
    let resubscribed = 0;
    c.on('resubscribed', ({ count }) => void (resubscribed = count));
    await c.consume('work', (m) => void got.push(m), { ack: 'manual' });
    await c.send('work', 'job');
    await eventually(() => expect(got).toHaveLength(1));
    a.crash();
    await eventually(() => expect(c.endpoint).toBe(b.url));
    await got[0]!.ack(); // bound to the dead connection: dropped, not sent to b
    await eventually(() => expect(got).toHaveLength(2));
    expect(resubscribed).toBe(1);
    expect(got[1]!.redelivered).toBe(true);
    expect(got[1]!.possibleDuplicate).toBe(true);
    await got[1]!.ack();
    await new Promise((r) => setTimeout(r, 50));
    expect(got).toHaveLength(2);
  });

  it('emits reconnecting, disconnected and failover events with passwords removed', async () => {
    const { a, b } = await pair('events');
    const events: unknown[] = [];
    const c = await client([`memory://u:topsecret@${a.name}`, `memory://u:topsecret@${b.name}`]);
    for (const name of ['connected', 'disconnected', 'reconnecting', 'failover', 'resubscribed', 'error'] as const) {
      c.on(name, (e: unknown) => void events.push({ name, ...(e as object) }));
    }
    a.crash();
    await eventually(() => expect(events.some((e) => (e as { name: string }).name === 'failover')).toBe(true));
    const text = JSON.stringify(events, (_k, v) => (v instanceof Error ? v.message : v));
    expect(text).not.toContain('topsecret');
    expect(text).toContain('u:***@');
    expect(c.endpoint).toBe(`memory://u:***@${b.name}`);
  });

  it('fails back to the old active broker when it returns as standby and the new active dies', async () => {
    const { a, b } = await pair('failback');
    const c = await client([a.url, b.url]);
    a.crash();
    await eventually(() => expect(c.endpoint).toBe(b.url));
    await a.restart();
    expect(a.status).toBe('standby');
    b.crash();
    await eventually(() => expect(c.endpoint).toBe(a.url));
    expect(c.state).toBe('connected');
  });

  it('probes a standby whose ports refuse every initialDelayMs, and backs off only after time-outs', async () => {
    // Refused: the walk comes back every initialDelayMs (no jitter here), however long the standby takes.
    const { a, b } = await pair('probe');
    const c = await client([a.url, b.url], { failover: { initialDelayMs: 10, maxDelayMs: 5_000, multiplier: 4, jitter: 0 } });
    const delays: number[] = [];
    c.on('reconnecting', ({ delayMs }) => void delays.push(delayMs));
    b.refuseConnections();
    a.crash(); // b takes the store over, but refuses until told otherwise
    await eventually(() => expect(delays.length).toBeGreaterThanOrEqual(12));
    b.refuseConnections(false);
    await eventually(() => expect(c.state).toBe('connected'));
    expect(Math.max(...delays)).toBe(10);

    // Timed out: the wait between passes grows (10, 40, 160 ms, capped by maxDelayMs). A lower bound on
    // the elapsed time, which load cannot break: probing every 10 ms would take 3 × 10 ms + 4 time-outs.
    const hung = new MemoryBroker({ name: 'probe-hung' });
    await hung.start();
    cleanup.push(() => hung.stop());
    hung.hang();
    const startedAt = Date.now();
    const connecting = connect({
      transport: memory(),
      endpoints: [hung.url],
      connectTimeoutMs: 20,
      failover: { initialDelayMs: 10, maxDelayMs: 5_000, multiplier: 4, jitter: 0, startupMaxAttempts: 4 },
    });
    await expect(connecting).rejects.toMatchObject({ name: 'ConnectionError' });
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(10 + 40 + 160);
  });

  it('closes with an error event after maxAttempts passes', async () => {
    const broker = new MemoryBroker({ name: 'giveup' });
    await broker.start();
    cleanup.push(() => broker.stop());
    const c = await client([broker.url], { failover: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 1 } });
    const errors: Error[] = [];
    c.on('error', ({ error }) => void errors.push(error));
    const stream = c.consume('q');
    await stream.ready;
    broker.crash();
    await eventually(() => expect(c.state).toBe('closed'));
    expect(errors[0]).toMatchObject({ name: 'ConnectionError' });
    await expect(c.send('q', 'x')).rejects.toMatchObject({ name: 'ClosedError' });
  });

  it('moves back to the first endpoint when it returns, with priorityBackup', async () => {
    const primary = new MemoryBroker({ name: 'prio-a' });
    const backup = new MemoryBroker({ name: 'prio-b' });
    await backup.start();
    cleanup.push(async () => {
      await primary.stop();
      await backup.stop();
    });
    const c = await client([primary.url, backup.url], { failover: { priorityBackup: true, maxDelayMs: 10 } });
    expect(c.endpoint).toBe(backup.url);
    const got: string[] = [];
    await c.consume('q', (m) => void got.push(new TextDecoder().decode(m.bytes)));
    const moves: Array<{ from: string; to: string }> = [];
    c.on('failover', (e) => void moves.push(e));
    await primary.start();
    // The failover event comes once subscriptions are restored, a moment after the endpoint changed.
    await eventually(() => expect(moves).toMatchObject([{ from: backup.url, to: primary.url }]), 5000);
    expect(c.endpoint).toBe(primary.url);
    await c.send('q', 'on primary');
    await eventually(() => expect(got).toEqual(['on primary']));
  });
});
