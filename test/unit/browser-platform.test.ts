/**
 * What the browser build does differently (src/core/platform.ts, swapped in for platform.node.ts at build
 * time): a page that comes back online makes a reconnecting client try at once, and `tls` is refused.
 * The browser platform is given a plain EventTarget here in place of the page's global.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Client, ConnectionError, InvalidArgumentError, connect } from '../../src/index.js';
import { resolveOptions, type ConnectOptions } from '../../src/core/options.js';
import { browserPlatform } from '../../src/core/platform.js';
import type { Transport } from '../../src/core/transport.js';
import { MemoryBroker, memory } from '../../src/transports/memory/index.js';
import { eventually, sleep } from '../support/wait.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

/** A backoff far longer than any wait here: a client that reconnects did not wait it out. */
const LONG_BACKOFF = { initialDelayMs: 60_000, maxDelayMs: 60_000, jitter: 0 };

async function browserClient(page: EventTarget, options: ConnectOptions): Promise<Client> {
  const client = new Client(resolveOptions(options), browserPlatform(page));
  await client.start();
  cleanup.push(() => client.close({ drain: false }));
  return client;
}

async function startedBroker(name: string): Promise<MemoryBroker> {
  const broker = new MemoryBroker({ name });
  await broker.start();
  cleanup.push(() => broker.stop());
  return broker;
}

describe('in a browser', () => {
  it('refuses `tls` at connect with InvalidArgumentError, naming the certificate store', async () => {
    await startedBroker('browser-tls');
    for (const tls of [{ ca: '-----BEGIN CERTIFICATE-----' }, { rejectUnauthorized: false }, {}]) {
      const attempt = () => new Client(resolveOptions({ transport: memory(), endpoints: ['memory://browser-tls'], tls }), browserPlatform(new EventTarget()));
      expect(attempt).toThrow(InvalidArgumentError);
      expect(attempt).toThrow(/"tls".*browsers have no TLS options; trust comes from the browser's certificate store/);
    }
  });

  it('connects without `tls`; Node takes `tls` (it goes to the transport)', async () => {
    await startedBroker('browser-no-tls');
    const browser = await browserClient(new EventTarget(), { transport: memory(), endpoints: ['memory://browser-no-tls'] });
    expect(browser.state).toBe('connected');
    const node = await connect({ transport: memory(), endpoints: ['memory://browser-no-tls'], tls: { rejectUnauthorized: true } });
    expect(node.state).toBe('connected');
    await node.close();
  });

  it('reconnects at once when the page comes back online, instead of waiting out the backoff', async () => {
    const page = new EventTarget();
    const broker = await startedBroker('browser-online');
    const client = await browserClient(page, { transport: memory(), endpoints: [broker.url], failover: LONG_BACKOFF });
    const got: string[] = [];
    await client.consume('jobs', (m) => void got.push(new TextDecoder().decode(m.bytes)));
    const attempts: number[] = [];
    client.on('reconnecting', (e) => void attempts.push(e.attempt));
    broker.crash();
    // The first pass after the loss starts at once and fails; the next one is 60 s away.
    await eventually(() => expect(attempts).toEqual([1]));
    await broker.start();
    await sleep(50);
    expect(client.state).toBe('reconnecting');
    page.dispatchEvent(new Event('online'));
    await eventually(() => expect(client.state).toBe('connected'), 5_000);
    expect(attempts).toEqual([1, 2]);
    await client.send('jobs', 'after online');
    await eventually(() => expect(got).toEqual(['after online']));
  });

  it('starts the next pass at once when the page came online during a failing pass', async () => {
    const page = new EventTarget();
    const broker = await startedBroker('browser-online-mid-pass');
    const transport = memory();
    let offline: { released: Promise<void>; release(): void } | undefined;
    const gated: Transport = {
      ...transport,
      open: async (...args) => {
        if (offline) {
          await offline.released;
          throw new ConnectionError('network offline');
        }
        return transport.open(...args);
      },
    };
    const client = await browserClient(page, { transport: gated, endpoints: [broker.url], failover: LONG_BACKOFF });
    let release!: () => void;
    offline = { released: new Promise<void>((resolve) => (release = resolve)), release: () => release() };
    const attempts: number[] = [];
    client.on('reconnecting', (e) => void attempts.push(e.attempt));
    broker.crash();
    await broker.start();
    await eventually(() => expect(attempts).toEqual([1]));
    page.dispatchEvent(new Event('online')); // while the first pass is still opening
    const pass = offline;
    offline = undefined;
    pass.release();
    await eventually(() => expect(client.state).toBe('connected'), 5_000);
    expect(attempts).toEqual([1, 2]);
  });

  it('stops listening to the page once connected or closed', async () => {
    const listening = new Set<unknown>();
    const page = new EventTarget();
    const add = page.addEventListener.bind(page);
    const remove = page.removeEventListener.bind(page);
    page.addEventListener = (type: string, listener: EventListenerOrEventListenerObject | null) => {
      listening.add(listener);
      add(type, listener);
    };
    page.removeEventListener = (type: string, listener: EventListenerOrEventListenerObject | null) => {
      listening.delete(listener);
      remove(type, listener);
    };
    const broker = await startedBroker('browser-listeners');
    const client = await browserClient(page, { transport: memory(), endpoints: [broker.url], failover: LONG_BACKOFF });
    expect(listening.size).toBe(0);
    broker.crash();
    await eventually(() => expect(client.state).toBe('reconnecting'));
    expect(listening.size).toBe(1);
    await client.close({ drain: false });
    await eventually(() => expect(listening.size).toBe(0));
  });
});
