/**
 * npm run bench:bundle — what each browser entry of unified-mq adds to a user's bundle, beside the protocol
 * library it wraps, bundled alone.
 *
 * Every app is bundled the way a user would: esbuild, platform browser, the `browser` condition, bundle,
 * minify, ESM, esbuild's default target, no polyfills, no aliases, no `define`. Ours resolve `unified-mq`
 * and `unified-mq/<transport>` by name through the package's exports to the BUILT files (dist/browser; the
 * npm script builds first). Each app uses what it imports, so nothing it needs is tree-shaken away:
 *   ours   connect from 'unified-mq' and the transport's factory from 'unified-mq/<transport>';
 *   raw    the library alone: @stomp/stompjs `new Client(...)`, mqtt.js `mqtt.connect(...)` (the default
 *          import, which the `browser` condition resolves to mqtt.js's browser build), rhea-promise
 *          `new Connection(...)`, which is what our AMQP transport drives. rhea needs Node built-ins, so it
 *          is bundled with the same shims and `buffer` package as our browser build bundles into
 *          dist/browser/amqp.js (scripts/rhea-browser.ts): the same rhea on both sides;
 *   core   connect from 'unified-mq' alone.
 * Sizes are bytes of the minified output and of that gzipped (zlib, level 9); KB = 1024 bytes.
 * overhead = ours − raw (min+gzip). The goal (issue 10): at most 10 KB gz per transport.
 *
 * Where a transport misses the goal, the same app is bundled again from src/ (the browser build's plugins:
 * `X.node.ts` swapped for `X.ts`, rhea's shims), and esbuild's metafile names the modules of ours that
 * weigh most in the minified output.
 *
 *   npm run bench:bundle          (results in bench/results/bundle.json)
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, version as esbuildVersion, type BuildOptions, type Plugin } from 'esbuild';
import { rheaBrowser } from '../scripts/rhea-browser.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const GOAL_KB = 10;
const KB = 1024;

type Transport = 'stomp' | 'mqtt' | 'amqp';
const TRANSPORTS: readonly Transport[] = ['stomp', 'mqtt', 'amqp'];

/** What a user of each entry writes (ours), and of each library alone (raw). */
const OURS: Record<Transport, string> = {
  stomp: `import { connect } from 'unified-mq';\nimport { stomp } from 'unified-mq/stomp';\nglobalThis.app = () => connect({ transport: stomp(), endpoints: ['wss://broker.example/ws'] });\n`,
  mqtt: `import { connect } from 'unified-mq';\nimport { mqtt } from 'unified-mq/mqtt';\nglobalThis.app = () => connect({ transport: mqtt(), endpoints: ['wss://broker.example/ws'] });\n`,
  amqp: `import { connect } from 'unified-mq';\nimport { amqp } from 'unified-mq/amqp';\nglobalThis.app = () => connect({ transport: amqp(), endpoints: ['wss://broker.example/ws'] });\n`,
};
const RAW: Record<Transport, { library: string; source: string }> = {
  stomp: {
    library: '@stomp/stompjs',
    source: `import { Client } from '@stomp/stompjs';\nglobalThis.app = () => new Client({ brokerURL: 'wss://broker.example/ws' }).activate();\n`,
  },
  mqtt: {
    library: 'mqtt (browser build, dist/mqtt.esm.js)',
    source: `import mqtt from 'mqtt';\nglobalThis.app = () => mqtt.connect('wss://broker.example/ws');\n`,
  },
  amqp: {
    library: 'rhea-promise + rhea, with the browser build\'s rhea shims (scripts/rhea-browser.ts)',
    source:
      `import { Connection } from 'rhea-promise';\n` +
      `globalThis.app = () => new Connection({ host: 'broker.example', port: 443, transport: 'tls', webSocketOptions: { webSocket: WebSocket, url: 'wss://broker.example/ws', protocol: ['AMQPWSB10'] } }).open();\n`,
  },
};
const CORE = `import { connect } from 'unified-mq';\nglobalThis.app = connect;\n`;

interface Size { minBytes: number; gzipBytes: number }
interface Entry {
  transport: Transport;
  ours: Size;
  raw: Size & { library: string };
  overheadGzipBytes: number;
  overheadKB: number;
  /** overhead − core alone: roughly what the transport's own code adds (gzip sizes do not add up exactly). */
  transportOnlyGzipBytes: number;
  meetsGoal: boolean;
}
interface Contributor { module: string; minBytes: number }

/** The browser build's swap of `X.node.ts` for its sibling `X.ts` (tsup.config.ts), for bundling from src/. */
const browserSiblings: Plugin = {
  name: 'browser-siblings',
  setup(build) {
    build.onResolve({ filter: /\/[\w-]+\.node\.js$/ }, (args) => ({ path: join(args.resolveDir, dirname(args.path), basename(args.path, '.node.js') + '.ts') }));
  },
};

function userBuild(source: string, name: string, plugins: Plugin[] = [], tsconfig?: string): BuildOptions & { write: false; metafile: true } {
  return {
    stdin: { contents: source, resolveDir: join(ROOT, 'bench'), sourcefile: name, loader: 'js' },
    absWorkingDir: ROOT,
    bundle: true,
    minify: true,
    write: false,
    metafile: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['browser'],
    logLevel: 'silent',
    plugins,
    // A user's bundler knows nothing of the repository's tsconfig (which maps `unified-mq` to src/ for the
    // type checker): the package is resolved through its exports, as installed.
    ...(tsconfig ? { tsconfig } : { tsconfigRaw: {} }),
  };
}

async function measure(source: string, name: string, plugins: Plugin[] = []): Promise<{ size: Size; inputs: string[] }> {
  const result = await build(userBuild(source, name, plugins));
  const bytes = result.outputFiles[0]!.contents;
  return { size: { minBytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length }, inputs: Object.keys(result.metafile.inputs) };
}

/**
 * The modules our entry brings (our sources, and the packages the core bundles: p-retry, eventemitter3…),
 * by bytes in the minified bundle, when the app is bundled from src/. What the raw bundle has too (the
 * protocol library, rhea's shims) is left out: it is not overhead.
 */
async function contributors(transport: Transport, rawInputs: string[]): Promise<Contributor[]> {
  const fromSource = OURS[transport].replace(/'unified-mq'/, `'../src/index.ts'`).replace(/'unified-mq\/(\w+)'/, `'../src/transports/$1/index.ts'`);
  const result = await build(userBuild(fromSource, `${transport}-from-src.js`, [browserSiblings, rheaBrowser], join(ROOT, 'tsconfig.json')));
  const output = Object.values(result.metafile.outputs)[0]!;
  const inRaw = new Set(rawInputs);
  return Object.entries(output.inputs)
    .filter(([file, { bytesInOutput }]) => !inRaw.has(file) && file !== '<stdin>' && bytesInOutput > 0)
    .map(([file, { bytesInOutput }]) => ({ module: file.replace(/^.*node_modules\//, 'node_modules/'), minBytes: bytesInOutput }))
    .sort((a, b) => b.minBytes - a.minBytes);
}

const kb = (bytes: number) => (bytes / KB).toFixed(1);

async function main(): Promise<void> {
  if (!existsSync(join(ROOT, 'dist/browser/index.js'))) throw new Error('dist/browser is missing: run `npm run bench:bundle` (it builds first).');
  const core = (await measure(CORE, 'core.js')).size;
  const entries: Entry[] = [];
  const rawInputs: Partial<Record<Transport, string[]>> = {};
  for (const transport of TRANSPORTS) {
    const ours = (await measure(OURS[transport], `${transport}-ours.js`)).size;
    const { size: raw, inputs } = await measure(RAW[transport].source, `${transport}-raw.js`, transport === 'amqp' ? [rheaBrowser] : []);
    rawInputs[transport] = inputs;
    const overheadGzipBytes = ours.gzipBytes - raw.gzipBytes;
    entries.push({
      transport, ours, raw: { ...raw, library: RAW[transport].library }, overheadGzipBytes,
      overheadKB: Number(kb(overheadGzipBytes)), transportOnlyGzipBytes: overheadGzipBytes - core.gzipBytes,
      meetsGoal: overheadGzipBytes <= GOAL_KB * KB,
    });
  }

  const rows = [
    ['entry', 'ours min', 'ours gz', 'raw min', 'raw gz', 'overhead gz', 'of which transport', `≤ ${GOAL_KB} KB gz`],
    ...entries.map((e) => [`unified-mq/${e.transport}`, kb(e.ours.minBytes), kb(e.ours.gzipBytes), kb(e.raw.minBytes), kb(e.raw.gzipBytes), `+${kb(e.overheadGzipBytes)}`, `~${kb(e.transportOnlyGzipBytes)}`, e.meetsGoal ? 'yes' : 'NO']),
    ['core alone (connect)', kb(core.minBytes), kb(core.gzipBytes), '', '', '', '', ''],
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  console.log(`esbuild ${esbuildVersion}, platform browser, minified ESM; KB = 1024 bytes, gz = zlib level 9`);
  for (const row of rows) console.log(row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '));
  console.log('raw baselines (the library alone, bundled the same way):');
  for (const e of entries) console.log(`  ${e.transport}: ${e.raw.library}`);
  console.log('"of which transport" = overhead − core alone (approximate: gzip sizes do not add up exactly)');

  const heaviest: Partial<Record<Transport, Contributor[]>> = {};
  for (const e of entries.filter((entry) => !entry.meetsGoal)) {
    const top = (await contributors(e.transport, rawInputs[e.transport]!)).slice(0, 10);
    heaviest[e.transport] = top;
    console.log(`\nunified-mq/${e.transport} misses the goal by ${kb(e.overheadGzipBytes - GOAL_KB * KB)} KB gz; what we bring, heaviest first (minified bytes, bundled from src/):`);
    for (const c of top) console.log(`  ${String(c.minBytes).padStart(7)}  ${c.module}`);
  }

  const out = join(ROOT, 'bench/results');
  mkdirSync(out, { recursive: true });
  const file = join(out, 'bundle.json');
  writeFileSync(file, JSON.stringify({
    date: new Date().toISOString(), esbuild: esbuildVersion, goalKBGzip: GOAL_KB,
    settings: 'esbuild bundle, minify, format esm, platform browser, conditions [browser], default target, no polyfills; gzip = zlib level 9; KB = 1024 bytes',
    entries, core, heaviestModules: heaviest,
  }, null, 2) + '\n');
  console.log(`\nwritten: ${relative(ROOT, file)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
