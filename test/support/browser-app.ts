/**
 * Bundles the browser test app (./browser-app/scenarios.ts) for one transport, the way a user's bundler
 * would: esbuild, platform browser, the `browser` condition, no polyfills, and `unified-mq` resolved by
 * name through the package's exports to the BUILT files (dist/browser; `npm test` builds before testing).
 *
 *   const { js, inputs } = await bundleBrowserApp('stomp');
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');

export type BrowserTransport = 'stomp' | 'mqtt' | 'amqp';

/** How each transport is created in the page: what a user writes. */
const FACTORIES: Record<BrowserTransport, string> = {
  stomp: `import { stomp } from 'unified-mq/stomp';\ninstall(() => stomp());`,
  mqtt: `import { mqtt } from 'unified-mq/mqtt';\ninstall((setup) => mqtt({ envelope: setup.envelope === true }));`,
  amqp: `import { amqp } from 'unified-mq/amqp';\ninstall(() => amqp());`,
};

export interface BrowserBundle {
  js: string;
  /** The files that went into the bundle, relative to the repository root. */
  inputs: string[];
  warnings: string[];
}

export function assertBuilt(): void {
  if (!existsSync(join(ROOT, 'dist/browser/index.js'))) {
    throw new Error('dist/browser is missing: the browser tests bundle the built package. Run `npm run build` first (`npm test` does).');
  }
}

export async function bundleBrowserApp(transport: BrowserTransport): Promise<BrowserBundle> {
  return bundleForBrowser(`import { install } from './scenarios.ts';\n${FACTORIES[transport]}\n`, `app-${transport}.ts`);
}

/** Bundles `source` (TypeScript, an ES module) for the browser, resolving imports from test/support/browser-app. */
export async function bundleForBrowser(source: string, name: string): Promise<BrowserBundle> {
  assertBuilt();
  const result = await build({
    stdin: { contents: source, resolveDir: join(ROOT, 'test/support/browser-app'), sourcefile: name, loader: 'ts' },
    absWorkingDir: ROOT,
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    conditions: ['browser'],
    target: 'es2022',
    metafile: true,
    logLevel: 'silent',
    // The repository's tsconfig maps `unified-mq` to src/ for the type checker; a user's bundler knows no
    // such mapping, so this bundle must not either: it resolves the package through its exports.
    tsconfigRaw: {},
  });
  return {
    js: result.outputFiles[0]!.text,
    inputs: Object.keys(result.metafile.inputs),
    warnings: result.warnings.map((w) => w.text),
  };
}

/** A page that loads the module at `script`. */
export const pageFor = (script: string) => `<!doctype html><meta charset="utf-8"><title>unified-mq browser tests</title><script type="module" src="${script}"></script>`;
/** The page that loads a bundle served at /app.js. */
export const APP_PAGE = pageFor('/app.js');
