/**
 * npm run bench:browser-background — what a background tab's timer throttling does to heartbeat detection
 * in Chromium (Debian's), for docs/browser.md.
 *
 * The STOMP browser test app (test/support/browser-app) connects to RabbitMQ Web-STOMP through a fault
 * proxy; the proxy then blackholes the connection (a frozen broker), and the page reports how long its
 * heartbeat took to notice. Conditions:
 *   visible      the tab in front;
 *   background   another tab in front (document.visibilityState 'hidden'): Chromium runs a hidden page's
 *                timers at most once per second;
 *   background, past the grace period  hidden for longer than Chromium's intensive wake-up throttling
 *                grace period (5 minutes in a user's browser; shortened here to GRACE_S with the feature
 *                parameter IntensiveWakeUpThrottling:grace_period_seconds): then chained timers wake at
 *                most once per minute;
 *   idle, past the grace period  no freeze: how often an idle connection is lost over IDLE_S seconds.
 * Chromium is driven by puppeteer-core here (not playwright): playwright launches Chromium with background
 * throttling switched off and keeps every page visible, which is what this bench must not do.
 *
 *   ROUNDS=3 npm run bench:browser-background     (default 2 rounds; results in bench/results/browser-background.json)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import puppeteer, { type Page } from 'puppeteer-core';
import { bundleBrowserApp, APP_PAGE } from '../test/support/browser-app.js';
import type { Setup } from '../test/support/browser-app/scenarios.js';
import { startRabbitMQ } from '../test/support/brokers.js';
import { ensureBrowsers } from '../test/support/browsers.js';
import { startFaultProxy } from '../test/support/fault-proxy.js';
import { startPageServer } from '../test/support/page-server.js';

const ROUNDS = Number(process.env.ROUNDS ?? 2);
const GRACE_S = Number(process.env.GRACE_S ?? 20);
const IDLE_S = Number(process.env.IDLE_S ?? 90);
const HEARTBEATS = [2000, 10_000];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Row { condition: string; heartbeatMs: number; visibility: string; detectedAfterMs: number[]; lostBeforeFreeze: number[] }

async function main(): Promise<void> {
  ensureBrowsers();
  const broker = await startRabbitMQ();
  const bundle = await bundleBrowserApp('stomp');
  const server = await startPageServer({ '/': APP_PAGE, '/app.js': bundle.js });
  const browser = await puppeteer.launch({
    browser: 'chrome',
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
      `--enable-features=IntensiveWakeUpThrottling:grace_period_seconds/${GRACE_S}`],
    // puppeteer switches background throttling off by default; a user's browser has it on.
    ignoreDefaultArgs: ['--disable-background-timer-throttling', '--disable-backgrounding-occluded-windows', '--disable-renderer-backgrounding'],
  });
  const version = await browser.version();
  const rows: Row[] = [];
  const idle: Array<{ heartbeatMs: number; idleS: number; disconnects: number; visibility: string; state: string }> = [];
  try {
    const app = await browser.newPage();
    await app.goto(server.url('/'));
    await app.waitForFunction(() => window.umq !== undefined);
    const front = await browser.newPage();
    const show = async (page: Page) => {
      await page.bringToFront();
      await sleep(300);
    };
    const setup = (heartbeatMs: number, endpoint: string): Setup => ({
      endpoints: [endpoint], username: broker.username, password: broker.password, name: `bench.bg.${Date.now()}`, heartbeatMs,
    });
    const measure = async (condition: string, heartbeatMs: number, hiddenBeforeFreezeMs: number) => {
      const row: Row = { condition, heartbeatMs, visibility: '', detectedAfterMs: [], lostBeforeFreeze: [] };
      for (let round = 0; round < ROUNDS; round++) {
        const proxy = await startFaultProxy('127.0.0.1', broker.ports['stomp-ws']!);
        server.hooks = {
          freeze: async () => {
            await sleep(hiddenBeforeFreezeMs);
            await proxy.blackhole();
          },
        };
        const result = await app.evaluate((s) => window.umq.detect(s), setup(heartbeatMs, proxy.url('ws', '/ws')));
        row.visibility = result.visibility;
        row.detectedAfterMs.push(result.detectedAfterMs);
        row.lostBeforeFreeze.push(result.lostBeforeFreeze);
        console.log(`${condition}, heartbeatMs ${heartbeatMs}: detected after ${result.detectedAfterMs} ms (${result.visibility}); connection lost ${result.lostBeforeFreeze} times before the freeze`);
        await proxy.close();
        // A fresh hidden period for each round.
        await show(app);
        if (condition !== 'visible') await show(front);
      }
      rows.push(row);
    };
    for (const heartbeatMs of HEARTBEATS) {
      await show(app);
      await measure('visible', heartbeatMs, 0);
      await show(front);
      await measure('background', heartbeatMs, 0);
      await measure(`background, hidden ${GRACE_S + 5} s first (past the grace period)`, heartbeatMs, (GRACE_S + 5) * 1000);
    }
    for (const heartbeatMs of HEARTBEATS) {
      await show(front);
      const result = await app.evaluate((s) => window.umq.idle(s), { ...setup(heartbeatMs, broker.endpoints['stomp-ws']!), idleMs: IDLE_S * 1000 });
      console.log(`idle ${IDLE_S} s in a background tab, heartbeatMs ${heartbeatMs}: ${result.disconnects} connection losses (${result.visibility})`);
      idle.push({ heartbeatMs, idleS: IDLE_S, ...result });
    }
  } finally {
    await browser.close();
    await server.close();
    await broker.dispose();
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  console.log('\ncondition | heartbeatMs | detected after (ms), median [all] | lost before the freeze');
  for (const row of rows) console.log(`${row.condition} | ${row.heartbeatMs} | ${median(row.detectedAfterMs)} [${row.detectedAfterMs.join(', ')}] | ${row.lostBeforeFreeze.join(', ')}`);
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(
    'bench/results/browser-background.json',
    JSON.stringify({ date: new Date().toISOString(), browser: version, graceSeconds: GRACE_S, rounds: ROUNDS, detection: rows, idle }, null, 2) + '\n',
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
