import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * rhea (under rhea-promise) is CommonJS written for Node: it requires `os`, `path` and `util`, and reads
 * the globals `process` and `Buffer`. The browser build bundles it with small stand-ins
 * (src/transports/amqp/rhea-browser/) and the `buffer` package, handed to rhea's modules alone, so that
 * a user's bundler meets none of it and needs no polyfill or alias, and the other entries carry none of it.
 * An esbuild plugin: tsup's browser build uses it, and so does bench/bundle.ts for raw rhea-promise.
 */
export const rheaBrowser = {
  name: 'rhea-browser',
  setup(build: {
    onResolve(options: { filter: RegExp }, callback: (args: { path: string; importer: string }) => { path: string } | undefined): void;
    onLoad(options: { filter: RegExp }, callback: (args: { path: string }) => Promise<{ contents: string; loader: 'js' }>): void;
  }) {
    // From the package root (npm scripts run there): tsup bundles its config, which changes import.meta here.
    const shims = join(process.cwd(), 'src/transports/amqp/rhea-browser');
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
