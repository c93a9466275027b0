import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { defineConfig, type Options } from 'tsup';
import { rheaBrowser } from './scripts/rhea-browser.js';

/** The core, and one entry per transport folder with an index.ts (`unified-mq/<folder>`); kit/ is shared plumbing. */
const entry: Record<string, string> = { index: 'src/index.ts' };
for (const folder of readdirSync('src/transports', { withFileTypes: true })) {
  if (folder.isDirectory() && folder.name !== 'kit' && existsSync(`src/transports/${folder.name}/index.ts`)) {
    entry[folder.name] = `src/transports/${folder.name}/index.ts`;
  }
}

const shared: Options = {
  entry,
  // No source maps in the package: dist/ is unminified ES2022 that reads like the source, and maps with
  // embedded sources were two thirds of its size (maps without them would point at src/, which is not shipped).
  sourcemap: false,
  splitting: true,
  treeshake: true,
  target: 'es2022',
  // p-retry is ESM-only; bundle it so the CJS build works on every Node 20 minor.
  noExternal: ['p-retry', 'is-network-error'],
};

/**
 * The browser build swaps every `X.node.ts` for its browser sibling `X.ts`: each transport's Node sockets
 * (`socket.node.ts`: net, tls, ws, @stomp/tcp-wrapper) for WebSocket-only ones, and the core's platform
 * hooks (`platform.node.ts`) for the browser's (`online` wake, `tls` refused). Package.json's `browser`
 * export condition points bundlers at that build.
 */
const browserSiblings = {
  name: 'browser-siblings',
  setup(build: { onResolve(options: { filter: RegExp }, callback: (args: { path: string; resolveDir: string }) => { path: string }): void }) {
    build.onResolve({ filter: /\/[\w-]+\.node\.js$/ }, (args) => ({ path: join(args.resolveDir, dirname(args.path), basename(args.path, '.node.js') + '.ts') }));
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
    esbuildPlugins: [browserSiblings, rheaBrowser],
    noExternal: [...shared.noExternal!, 'rhea-promise'],
  },
]);
