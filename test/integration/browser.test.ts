/**
 * The package in real browsers: Debian's Chromium (playwright-core) and Firefox ESR (puppeteer-core over
 * WebDriver BiDi), installed by scripts/ensure-browsers.sh when missing.
 *
 * A test app (../support/browser-app/scenarios.ts) is bundled per transport from the BUILT package, as a
 * user's bundler gets it (esbuild, platform browser, `browser` condition, no polyfills), served from
 * 127.0.0.1 and loaded once per browser × transport. The scenarios run in the page; the test asks for
 * them with page.evaluate and injects faults (fault proxies, ../support/fault-proxy.ts) when a scenario
 * asks for one through a page-server hook.
 *
 * Broker: a RabbitMQ 3.10 of its own, at its shipped defaults (so this file runs beside the shared-broker
 * files, in the `faults` process of npm test). STOMP over its Web-STOMP port and MQTT over its Web-MQTT port
 * (ws://127.0.0.1:PORT/ws); AMQP 1.0 through a WebSocket-to-TCP bridge (../support/ws-bridge.ts), since
 * RabbitMQ 3.10 serves no AMQP over WebSocket. wss:// goes through a TLS terminator whose throwaway CA each
 * browser trusts through its own NSS certificate store (../support/browsers.ts): real verification.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildExample } from '../../examples/browser/build.js';
import { connect } from '../../src/index.js';
import { stomp } from '../../src/transports/stomp/index.js';
import { startRabbitMQ, type Broker } from '../support/brokers.js';
import { APP_PAGE, bundleBrowserApp, bundleForBrowser, pageFor, type BrowserTransport } from '../support/browser-app.js';
import type { BodiesResult, Setup } from '../support/browser-app/scenarios.js';
import { BROWSERS, ensureBrowsers, launchBrowser, type BrowserPage, type TestBrowser } from '../support/browsers.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { startPageServer, type PageServer } from '../support/page-server.js';
import { startTlsTerminator, type TlsTerminator } from '../support/tls-terminator.js';
import { startWsBridge, type WsBridge } from '../support/ws-bridge.js';
import { eventually, randomName } from '../support/wait.js';

/** Every transport's browser entry. */
const TRANSPORTS: readonly BrowserTransport[] = ['stomp', 'mqtt', 'amqp'];
/** RabbitMQ rounds heart-beat intervals to whole seconds: 2 s is the smallest it can meet (see stomp-faults.test.ts). */
const HEARTBEAT_MS = 2000;
const FAILOVER_MESSAGES = 500;

let broker: Broker;
let bridge: WsBridge;
const servers = new Map<BrowserTransport, PageServer>();
const terminators = new Map<BrowserTransport, TlsTerminator>();
/** Per transport, a TLS server whose CA no browser trusts. */
const untrusted = new Map<BrowserTransport, TlsTerminator>();
/** The README's browser snippet, pointed at the example's endpoints. */
let readme: PageServer;
/** The example page (examples/browser) and its two wss:// endpoints: TLS terminators in front of fault proxies to Web-STOMP. */
let example: { server: PageServer; proxies: FaultProxy[]; terminators: TlsTerminator[] };

/** Where each transport's WebSocket endpoint listens on the host, and its path. */
function wsTarget(transport: BrowserTransport): { port: number; path: string } {
  if (transport === 'stomp') return { port: broker.ports['stomp-ws']!, path: '/ws' };
  if (transport === 'mqtt') return { port: broker.ports['mqtt-ws']!, path: '/ws' };
  return { port: bridge.port, path: '/' };
}

function setup(transport: BrowserTransport, endpoints: string[], extra: Partial<Setup> = {}): Setup {
  return { endpoints, username: broker.username, password: broker.password, name: randomName(`browser.${transport}`), ...extra };
}

beforeAll(async () => {
  ensureBrowsers();
  broker = await startRabbitMQ();
  bridge = await startWsBridge(broker.ports.amqp!);
  for (const transport of TRANSPORTS) {
    const bundle = await bundleBrowserApp(transport);
    // What a user's bundle of the package contains: the built browser files, never the sources.
    expect(bundle.inputs.filter((file) => file.startsWith('src/'))).toEqual([]);
    expect(bundle.inputs).toContain(`dist/browser/${transport}.js`);
    expect(bundle.warnings).toEqual([]);
    servers.set(transport, await startPageServer({ '/': APP_PAGE, '/app.js': bundle.js }));
    terminators.set(transport, await startTlsTerminator(wsTarget(transport).port));
    untrusted.set(transport, await startTlsTerminator(wsTarget(transport).port));
  }
  const built = mkdtempSync(join(tmpdir(), 'umq-example-'));
  try {
    await buildExample(built);
    const [html, js] = ['index.html', 'app.js'].map((file) => readFileSync(join(built, file), 'utf8'));
    const proxies = [await startFaultProxy('127.0.0.1', broker.ports['stomp-ws']!), await startFaultProxy('127.0.0.1', broker.ports['stomp-ws']!)];
    example = {
      server: await startPageServer({ '/': html!, '/index.html': html!, '/app.js': js! }),
      proxies,
      terminators: [await startTlsTerminator(proxies[0]!.port), await startTlsTerminator(proxies[1]!.port)],
    };
  } finally {
    rmSync(built, { recursive: true, force: true });
  }
  readme = await startPageServer({ '/': pageFor('/readme.js'), '/readme.js': (await bundleForBrowser(readmeSnippet(), 'readme.ts')).js });
});

/** The code block of the README's "In the browser" section, with the test broker's endpoints and credentials. */
function readmeSnippet(): string {
  const section = readFileSync(new URL('../../README.md', import.meta.url), 'utf8').split('## In the browser')[1] ?? '';
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (!code) throw new Error('README.md has no ts code block under "## In the browser"');
  const [a, b] = example.terminators.map((t) => `wss://127.0.0.1:${t.port}/ws`);
  const pointed = code
    .replace('wss://b-1.example:15673/ws', a!)
    .replace('wss://b-2.example:15673/ws', b!)
    .replace("username: 'app', password: 'secret'", `username: '${broker.username}', password: '${broker.password}'`);
  expect(pointed).not.toContain('example:15673'); // the README changed: adapt the replacements above
  return pointed;
}

afterAll(async () => {
  await Promise.all([...servers.values()].map((s) => s.close()));
  await Promise.all([...terminators.values(), ...untrusted.values(), ...(example?.terminators ?? [])].map((t) => t.close()));
  await Promise.all([readme?.close(), example?.server.close(), ...(example?.proxies ?? []).map((p) => p.close())]);
  await bridge?.close();
  await broker?.dispose();
});

describe.each(BROWSERS)('in %s', (browserName) => {
  let browser: TestBrowser;

  beforeAll(async () => {
    const trusted = [...terminators.values(), ...example.terminators].map((t) => t.ca);
    browser = await launchBrowser(browserName, { trustedCertificates: trusted });
    console.log(`[browser] ${browserName} ${browser.version}`);
  });

  afterAll(() => browser?.close());

  it('runs the browser example (examples/browser) over two wss:// endpoints: messages, state and failover shown live', async () => {
    const name = randomName('example');
    const [a, b] = example.terminators.map((t) => `wss://127.0.0.1:${t.port}/ws`);
    const query = new URLSearchParams({ endpoints: `${a},${b}`, username: broker.username!, password: broker.password!, topic: `${name}.#` });
    const page = await browser.newPage(example.server.url(`/?${query}`));
    // Another client (Node, STOMP over TCP) publishes what the page shows.
    const sender = await connect({ transport: stomp(), endpoints: [broker.endpoints.stomp!], username: broker.username, password: broker.password });
    const text = (id: string) => page.evaluate((elementId) => document.getElementById(elementId)!.textContent ?? '', id);
    try {
      await eventually(async () => expect(await text('events')).toContain(`subscribed to ${name}.#`), 20_000);
      expect(await text('state')).toBe('connected');
      expect(await text('endpoint')).toBe(a);
      await sender.publish(`${name}.greeting`, 'hello from Node');
      await eventually(async () => expect(await text('messages')).toContain(`${name}.greeting: hello from Node`), 10_000);

      await example.proxies[0]!.refuse(); // the active endpoint goes away
      await eventually(async () => expect(await text('events')).toContain(`failover from ${a} to ${b}`), 20_000);
      expect(await text('endpoint')).toBe(b);
      expect(await text('state')).toBe('connected');
      await eventually(async () => expect(await text('events')).toContain('1 subscription(s) restored'), 10_000);
      await sender.publish(`${name}.after`, 'after the failover');
      await eventually(async () => expect(await text('messages')).toContain(`${name}.after: after the failover`), 10_000);
      const shown = await page.evaluate(() => document.querySelectorAll('#messages li').length, undefined);
      expect(shown).toBe(2);
    } finally {
      await example.proxies[0]!.pass();
      await sender.close();
      await page.close();
    }
  });

  it("runs the README's browser snippet as written (endpoints and credentials pointed at the test broker)", async () => {
    const page = await browser.newPage(readme.url('/'));
    try {
      // The snippet subscribes to orders.*, publishes orders.created and logs what it receives.
      await eventually(() => expect(page.console.filter((line) => line.startsWith('orders.created'))).toHaveLength(1), 20_000);
    } finally {
      await page.close();
    }
  });

  describe.each(TRANSPORTS)('%s over WebSocket', (transport) => {
    let page: BrowserPage;
    let server: PageServer;
    const proxies: FaultProxy[] = [];
    const direct = () => `ws://127.0.0.1:${wsTarget(transport).port}${wsTarget(transport).path}`;
    /** A fault proxy in front of the broker's WebSocket port, and the ws:// endpoint through it. */
    const proxied = async () => {
      const proxy = await startFaultProxy('127.0.0.1', wsTarget(transport).port);
      proxies.push(proxy);
      return { proxy, endpoint: proxy.url('ws', wsTarget(transport).path) };
    };

    beforeAll(async () => {
      server = servers.get(transport)!;
      page = await browser.newPage(server.url('/'));
      await page.evaluate(async () => {
        while (!window.umq) await new Promise((resolve) => setTimeout(resolve, 10));
      }, undefined);
    });

    afterAll(async () => {
      await page?.close();
      await Promise.all(proxies.splice(0).map((p) => p.close()));
    });

    /**
     * JSON and text arrive everywhere. Binary (NUL, 0xFF) arrives where the broker sends binary frames; at
     * RabbitMQ Web-STOMP's default (text frames) the browser itself refuses it: the connection says so up
     * front, and the one loss names the broker setting, with no reconnection loop.
     */
    const expectBodies = (result: BodiesResult) => {
      const got = result.received;
      expect(got).toHaveLength(3);
      expect(got[0]!.json).toEqual({ id: 7, text: 'grüße', list: [1, null, true] });
      expect(got[1]!.text).toBe('plain text, ünïcödé ✓');
      expect(result.binaryBodies).toBe(transport !== 'stomp');
      if (result.binaryBodies) {
        expect(got[2]!.bytes).toEqual([0x00, 0xff, 0x01, 0x00, 0xfe, 0xff, 0x80, 0x00]);
        return;
      }
      expect(got[2]!.text).toBe('after the refused body');
      expect(result.refused!.losses).toHaveLength(1);
      expect(result.refused!.losses[0]!.code).toBe('CONNECTION');
      expect(result.refused!.losses[0]!.message).toContain('web_stomp.ws_frame = binary');
      expect(result.refused!.state).toBe('connected');
    };

    it(`carries JSON, text and binary (NUL, 0xFF) bodies${transport === 'stomp' ? '; binary refused by the browser at Web-STOMP\'s default, with the setting named' : ''}`, async () => {
      expectBodies(await page.evaluate((s) => window.umq.bodies(s), setup(transport, [direct()])));
    });

    it('matches wildcard subscriptions: * one segment, # the rest', async () => {
      const s = setup(transport, [direct()]);
      const { star, hash } = await page.evaluate((x) => window.umq.wildcards(x), s);
      expect(star).toEqual([`${s.name}.eu.created`, `${s.name}.us.created`]);
      expect(hash).toEqual([`${s.name}.eu.created`, `${s.name}.eu.updated`, `${s.name}.eu.x.created`]);
    });

    it('consumes a queue with manual ack and nack (requeue)', async () => {
      const result = await page.evaluate((s) => window.umq.queue(s), setup(transport, [direct()]));
      if (!result.queues) {
        // MQTT on RabbitMQ has no queues and no nack: both say so with UnsupportedError; manual ack works on topics.
        expect(result.unsupported).toEqual(['UNSUPPORTED', 'UNSUPPORTED', 'UNSUPPORTED', 'UNSUPPORTED', 'UNSUPPORTED']);
        expect(result.acked).toEqual(['a', 'b', 'c']);
        expect(result.deliveries).toHaveLength(3);
        return;
      }
      expect(result.nack).toBe(true);
      expect(result.acked).toEqual(['a', 'b', 'c']);
      // Each message twice: nacked on its first delivery, acked on the redelivery, which is flagged.
      expect(result.deliveries).toHaveLength(6);
      for (const body of ['a', 'b', 'c']) {
        const deliveries = result.deliveries.filter((d) => d.text === body);
        expect(deliveries.map((d) => d.redelivered)).toEqual([false, true]);
        expect(deliveries[1]!.possibleDuplicate).toBe(true);
      }
    });

    it('holds publishes while no endpoint answers and completes them after it is back', async () => {
      const { proxy, endpoint } = await proxied();
      server.hooks = { down: () => proxy.refuse(), up: () => proxy.pass() };
      const result = await page.evaluate((s) => window.umq.offlineBuffer(s), setup(transport, [endpoint], { heartbeatMs: HEARTBEAT_MS }));
      expect(result.stateWhileDown).toBe('reconnecting');
      expect(result.bufferedWhileDown).toBe(5);
      expect(result.overflowCode).toBe('BUFFER_OVERFLOW');
      expect(result.received).toEqual(['0', '1', '2', '3', '4']);
    });

    it(`fails over between two endpoints mid-stream: ${FAILOVER_MESSAGES} messages, none lost, every duplicate flagged`, async () => {
      const [a, b] = [await proxied(), await proxied()];
      server.hooks = { cut: () => a.proxy.refuse() };
      // MQTT 3.1.1 has no header for the possible-duplicate flag of a re-sent publish: the envelope carries it.
      const envelope = transport === 'mqtt';
      const result = await page.evaluate((s) => window.umq.failover(s), { ...setup(transport, [a.endpoint, b.endpoint], { envelope }), total: FAILOVER_MESSAGES });
      console.log(`[browser ${browserName} ${transport}] failover: ${result.duplicates} duplicates (all flagged: ${result.unflaggedDuplicates === 0}), ${result.failovers.length} failover events`);
      expect(result.lost).toEqual([]);
      expect(result.distinct).toBe(FAILOVER_MESSAGES);
      expect(result.unflaggedDuplicates).toBe(0);
      // The producer moved from A to B (and the consumer too, when it sat on A).
      expect(result.failovers).toContainEqual({ from: a.endpoint, to: b.endpoint });
      expect(result.failovers).toHaveLength(result.consumerOnBoth ? 2 : 1);
      if (result.consumerOnBoth) expect(result.resubscribed).toBe(1);
    });

    it('detects a frozen endpoint by the heartbeat and moves to the other one', async () => {
      const [a, b] = [await proxied(), await proxied()];
      server.hooks = { freeze: () => a.proxy.blackhole() };
      const result = await page.evaluate(
        (s) => window.umq.heartbeat(s),
        // A frozen endpoint also holds new connections: a short connect time-out moves on to B sooner.
        setup(transport, [a.endpoint, b.endpoint], { heartbeatMs: HEARTBEAT_MS, connectTimeoutMs: 3000 }),
      );
      console.log(`[browser ${browserName} ${transport}] heartbeatMs ${HEARTBEAT_MS}: frozen endpoint detected after ${result.detectedAfterMs} ms`);
      expect(result.disconnectedCode).toBe('CONNECTION');
      expect(result.detectedAfterMs).toBeGreaterThan(0);
      expect(result.detectedAfterMs).toBeLessThanOrEqual(1.5 * HEARTBEAT_MS);
      expect(result.endpointAfter).toBe(b.endpoint);
      expect(result.afterwards).toEqual(['after the freeze']);
    });

    it('connects over wss:// to a server whose certificate the test CA signed', async () => {
      const tls = terminators.get(transport)!;
      expectBodies(await page.evaluate((s) => window.umq.bodies(s), setup(transport, [`wss://127.0.0.1:${tls.port}${wsTarget(transport).path}`])));
    });

    it('refuses wss:// to a server whose CA the browser does not trust', async () => {
      const code = await page.evaluate((s) => window.umq.connectError(s), setup(transport, [`wss://127.0.0.1:${untrusted.get(transport)!.port}${wsTarget(transport).path}`]));
      expect(code).toBe('CONNECTION');
    });
  });
});
