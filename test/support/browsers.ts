/**
 * Real browsers for the browser tests: Debian's Chromium (driven by playwright-core) and Firefox ESR
 * (driven by puppeteer-core over WebDriver BiDi; playwright can only drive its own patched Firefox).
 * scripts/ensure-browsers.sh installs them with apt when missing; no browser is ever downloaded.
 *
 *   const browser = await launchBrowser('firefox', { trustedCertificates: [tls.ca] });
 *   const page = await browser.newPage(url);
 *   await page.evaluate((n) => n + 1, 1);
 *   await browser.close();
 *
 * wss:// trust is real trust, not "ignore certificate errors": each browser gets a fresh NSS certificate
 * database (certutil) holding the tests' throwaway CA as a trusted authority. Chromium on Linux reads
 * $HOME/.pki/nssdb, so it runs with HOME set to a temporary directory; Firefox reads cert9.db in its
 * profile, so it runs on a temporary profile. Both are removed by close().
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import puppeteer from 'puppeteer-core';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');

export type BrowserName = 'chromium' | 'firefox';
export const BROWSERS: readonly BrowserName[] = ['chromium', 'firefox'];

/** What the tests need of a page; playwright's and puppeteer's pages both have this face. */
export interface BrowserPage {
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  /** The page's console output so far (for failure messages). */
  readonly console: readonly string[];
  close(): Promise<void>;
}

export interface TestBrowser {
  readonly name: BrowserName;
  readonly version: string;
  newPage(url: string): Promise<BrowserPage>;
  close(): Promise<void>;
}

export interface LaunchOptions {
  /** PEM certificates the browser trusts as certificate authorities (for wss://). */
  trustedCertificates?: readonly string[];
}

/** Installs the browsers with apt when missing (scripts/ensure-browsers.sh); throws saying why it could not. */
export function ensureBrowsers(): void {
  try {
    execFileSync('bash', [join(ROOT, 'scripts/ensure-browsers.sh')], { stdio: 'inherit' });
  } catch {
    throw new Error('The browser tests need Debian\'s chromium, firefox-esr and libnss3-tools, and scripts/ensure-browsers.sh could not install them (see its message above).');
  }
}

/** A fresh NSS database in `dir` trusting `certificates` as CAs (certutil: libnss3-tools). */
function trustStore(dir: string, certificates: readonly string[]): void {
  mkdirSync(dir, { recursive: true });
  execFileSync('certutil', ['-N', '-d', `sql:${dir}`, '--empty-password'], { stdio: 'ignore' });
  certificates.forEach((pem, i) => {
    const file = join(dir, `ca-${i}.pem`);
    writeFileSync(file, pem);
    execFileSync('certutil', ['-A', '-d', `sql:${dir}`, '-n', `umq test CA ${i}`, '-t', 'C,,', '-i', file], { stdio: 'ignore' });
  });
}

export async function launchBrowser(name: BrowserName, options: LaunchOptions = {}): Promise<TestBrowser> {
  const scratch = mkdtempSync(join(tmpdir(), `umq-${name}-`));
  try {
    return name === 'chromium' ? await launchChromium(scratch, options) : await launchFirefox(scratch, options);
  } catch (error) {
    rmSync(scratch, { recursive: true, force: true });
    throw error;
  }
}

async function launchChromium(scratch: string, options: LaunchOptions): Promise<TestBrowser> {
  trustStore(join(scratch, '.pki/nssdb'), options.trustedCertificates ?? []);
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    // No sandbox: the tests run as root in a container. The rest keeps Chromium off the network and quiet.
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    env: { ...process.env, HOME: scratch },
  });
  const context = await browser.newContext();
  return {
    name: 'chromium',
    version: browser.version(),
    async newPage(url) {
      const page = await context.newPage();
      const lines: string[] = [];
      page.on('console', (m) => void lines.push(m.text()));
      page.on('pageerror', (e) => void lines.push(`pageerror: ${e.message}`));
      await page.goto(url);
      return {
        // The drivers type their arguments as serialised handles; ours are plain data both ways.
        evaluate: <R, A>(fn: (arg: A) => R | Promise<R>, arg: A) => page.evaluate(fn as (arg: unknown) => unknown, arg) as Promise<R>,
        console: lines,
        close: () => page.close(),
      };
    },
    async close() {
      await browser.close().catch(() => undefined);
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}

async function launchFirefox(scratch: string, options: LaunchOptions): Promise<TestBrowser> {
  const profile = join(scratch, 'profile');
  trustStore(profile, options.trustedCertificates ?? []);
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: '/usr/bin/firefox-esr',
    headless: true,
    userDataDir: profile,
    extraPrefsFirefox: {
      // Off the network: no updates, telemetry, captive-portal or connectivity checks.
      'app.update.enabled': false,
      'network.captive-portal-service.enabled': false,
      'network.connectivity-service.enabled': false,
      'toolkit.telemetry.enabled': false,
      'datareporting.policy.dataSubmissionEnabled': false,
    },
  });
  const version = await browser.version();
  return {
    name: 'firefox',
    version,
    async newPage(url) {
      const page = await browser.newPage();
      const lines: string[] = [];
      page.on('console', (m) => void lines.push(m.text()));
      page.on('pageerror', (e) => void lines.push(`pageerror: ${e instanceof Error ? e.message : String(e)}`));
      await page.goto(url);
      return {
        // The drivers type their arguments as serialised handles; ours are plain data both ways.
        evaluate: <R, A>(fn: (arg: A) => R | Promise<R>, arg: A) => page.evaluate(fn as (arg: unknown) => unknown, arg) as Promise<R>,
        console: lines,
        close: () => page.close(),
      };
    },
    async close() {
      await browser.close().catch(() => undefined);
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}
