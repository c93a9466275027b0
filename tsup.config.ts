import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { defineConfig, type Options } from 'tsup';

const entry = {
  index: 'src/index.ts',
  mqtt: 'src/transports/mqtt/index.ts',
  amqp: 'src/transports/amqp/index.ts',
  stomp: 'src/transports/stomp/index.ts',
  memory: 'src/transports/memory/index.ts',
};

const shared: Options = {
  entry,
  sourcemap: true,
  splitting: true,
  treeshake: true,
  target: 'es2022',
  // p-retry is ESM-only; bundle it so the CJS build works on every Node 20 minor.
  noExternal: ['p-retry', 'is-network-error'],
};

/**
 * The browser build swaps each transport's Node sockets (`./socket.node.ts`: net, tls, ws,
 * @stomp/tcp-wrapper) for its WebSocket-only sibling (`./socket.ts`). Package.json's `browser` export
 * condition points bundlers at it.
 */
const browserSockets = {
  name: 'browser-sockets',
  setup(build: { onResolve(options: { filter: RegExp }, callback: (args: { path: string; resolveDir: string }) => { path: string }): void }) {
    build.onResolve({ filter: /\/socket\.node\.js$/ }, (args) => ({ path: join(args.resolveDir, dirname(args.path), 'socket.ts') }));
  },
};

/**
 * rhea (under rhea-promise) is CommonJS written for Node: it requires `os`, `path` and `util`, and reads
 * the globals `process` and `Buffer`. The browser build bundles it with small stand-ins
 * (src/transports/amqp/rhea-browser/) and the `buffer` package, handed to rhea's modules alone, so that
 * a user's bundler meets none of it and needs no polyfill or alias, and the other entries carry none of it.
 */
const rheaBrowser = {
  name: 'rhea-browser',
  setup(build: {
    onResolve(options: { filter: RegExp }, callback: (args: { path: string; importer: string }) => { path: string } | undefined): void;
    onLoad(options: { filter: RegExp }, callback: (args: { path: string }) => Promise<{ contents: string; loader: 'js' }>): void;
  }) {
    const shims = join(import.meta.dirname, 'src/transports/amqp/rhea-browser');
    const fromRhea = /[/\\]node_modules[/\\]rhea[/\\]lib[/\\][^/\\]+\.js$/;
    build.onResolve({ filter: /^(os|path|util)$/ }, (args) =>
      fromRhea.test(args.importer) ? { path: join(shims, args.path === 'util' ? 'util.ts' : 'unused.ts') } : undefined,
    );
    build.onLoad({ filter: fromRhea }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const globals = [
        /\bBuffer\b/.test(source) ? 'var Buffer = require("buffer").Buffer;' : '',
        /\bprocess\b/.test(source) ? `var process = require(${JSON.stringify(join(shims, 'process.ts'))});` : '',
      ];
      return { contents: globals.join('') + source, loader: 'js' };
    });
  },
};

export default defineConfig([
  // No `clean`: the two builds run at once, and one would wipe the other's output (the build script empties dist/).
  { ...shared, format: ['esm', 'cjs'], dts: true },
  {
    ...shared,
    format: ['esm'],
    platform: 'browser',
    outDir: 'dist/browser',
    esbuildPlugins: [browserSockets, rheaBrowser],
    noExternal: [...shared.noExternal!, 'rhea-promise'],
  },
]);
