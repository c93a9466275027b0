/**
 * Bundles the browser example into examples/browser/dist/ (index.html and app.js), as a user's build
 * would: esbuild, platform browser, `unified-mq` resolved through the package's exports (run
 * `npm run build` first; `npm run example:browser` does both). An IIFE, so the page also opens from file://.
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const ROOT = resolve(HERE, '../..');

/** Writes dist/index.html and dist/app.js under `outdir` (default examples/browser/dist); returns `outdir`. */
export async function buildExample(outdir = join(HERE, 'dist')): Promise<string> {
  if (!existsSync(join(ROOT, 'dist/browser/index.js'))) throw new Error('The package is not built: run `npm run build` first.');
  mkdirSync(outdir, { recursive: true });
  await build({
    entryPoints: [join(HERE, 'main.ts')],
    outfile: join(outdir, 'app.js'),
    absWorkingDir: ROOT,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: true,
    logLevel: 'warning',
    // The repository's tsconfig maps `unified-mq` to src/ for the type checker; the bundle must use the package.
    tsconfigRaw: {},
  });
  copyFileSync(join(HERE, 'index.html'), join(outdir, 'index.html'));
  return outdir;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outdir = await buildExample();
  console.log(`Built ${outdir}/index.html and app.js. Open index.html?endpoints=wss://…/ws,wss://…/ws&username=…&password=…`);
}
