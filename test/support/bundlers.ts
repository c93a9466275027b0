/**
 * Bundles a small app against the built package (dist/, reached through its package.json exports, as
 * users get it) with esbuild, Rollup and webpack 5, each configured the way a user starting out would:
 * a browser target and nothing else (no polyfills, no aliases, no `define`).
 *
 * The app lives in a temporary directory whose node_modules/unified-mq links to the repository, so the
 * bundlers resolve `unified-mq/...` by its exports and the libraries it imports from the repository's
 * node_modules, as they would from an installed package.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import commonjs from '@rollup/plugin-commonjs';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import * as esbuild from 'esbuild';
import { rollup } from 'rollup';
import webpack from 'webpack';

export type Bundler = 'esbuild' | 'rollup' | 'webpack';
export const BUNDLERS: readonly Bundler[] = ['esbuild', 'rollup', 'webpack'];

export interface BundleResult {
  errors: string[];
  warnings: string[];
  /** The bare imports the bundler left in its output instead of bundling them. */
  unbundled: string[];
  /** The files that went into the bundle. */
  inputs: string[];
}

const repositoryRoot = resolve(import.meta.dirname, '../..');

/** A temporary app directory that resolves `unified-mq` to this repository; `remove()` deletes it. */
export function appDirectory(): { dir: string; write(name: string, source: string): string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'unified-mq-bundle-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(repositoryRoot, join(dir, 'node_modules', 'unified-mq'), 'dir');
  return {
    dir,
    write(name, source) {
      const file = join(dir, name);
      writeFileSync(file, source);
      return file;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

const builtins = builtinModules.filter((name) => !name.startsWith('_'));
const builtinMention = new RegExp(`['"\`](?:node:)?(?:${builtins.map((name) => name.replace(/[/]/g, '\\/')).join('|')})['"\`]|\\bnode:[a-z_]+`);

/** Whether a bundler's message is about a Node built-in module (`'os'`, `"node:path"`…). */
export function mentionsNodeBuiltin(message: string): boolean {
  return builtinMention.test(message);
}

export async function bundle(bundler: Bundler, entry: string, outDir: string): Promise<BundleResult> {
  switch (bundler) {
    case 'esbuild':
      return bundleWithEsbuild(entry, outDir);
    case 'rollup':
      return bundleWithRollup(entry);
    case 'webpack':
      return bundleWithWebpack(entry, outDir);
  }
}

async function bundleWithEsbuild(entry: string, outDir: string): Promise<BundleResult> {
  try {
    const result = await esbuild.build({
      entryPoints: [entry],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      outdir: join(outDir, 'esbuild'),
      logLevel: 'silent',
      metafile: true,
    });
    const unbundled = Object.values(result.metafile.outputs).flatMap((output) => output.imports.filter((i) => i.external).map((i) => i.path));
    return { errors: [], warnings: result.warnings.map((w) => w.text), unbundled, inputs: Object.keys(result.metafile.inputs) };
  } catch (error) {
    const failure = error as { errors?: esbuild.Message[]; warnings?: esbuild.Message[] };
    return { errors: (failure.errors ?? [{ text: String(error) }]).map((e) => e.text), warnings: (failure.warnings ?? []).map((w) => w.text), unbundled: [], inputs: [] };
  }
}

/** Rollup with the plugins Vite's production build uses: node-resolve for browsers, and commonjs. */
async function bundleWithRollup(entry: string): Promise<BundleResult> {
  const warnings: string[] = [];
  try {
    const build = await rollup({
      input: entry,
      plugins: [nodeResolve({ browser: true, exportConditions: ['browser'] }), commonjs()],
      onwarn: (warning) => void warnings.push(`${warning.code ?? ''}: ${warning.message}`),
    });
    const { output } = await build.generate({ format: 'es', inlineDynamicImports: true });
    await build.close();
    const chunks = output.flatMap((chunk) => (chunk.type === 'chunk' ? [chunk] : []));
    return { errors: [], warnings, unbundled: chunks.flatMap((chunk) => chunk.imports), inputs: chunks.flatMap((chunk) => chunk.moduleIds) };
  } catch (error) {
    return { errors: [String((error as Error).message ?? error)], warnings, unbundled: [], inputs: [] };
  }
}

async function bundleWithWebpack(entry: string, outDir: string): Promise<BundleResult> {
  const compiler = webpack({
    mode: 'production',
    target: 'web',
    entry,
    output: { path: join(outDir, 'webpack'), filename: 'app.js' },
    // Minifying changes nothing about what resolves; it only makes the test slower.
    optimization: { minimize: false },
    // Size hints are for the user's app, not about whether it bundles.
    performance: false,
  });
  const stats = await new Promise<webpack.Stats>((done, fail) => compiler.run((error, result) => (error || !result ? fail(error) : done(result))));
  await new Promise<void>((done) => compiler.close(() => done()));
  const info = stats.toJson({ all: false, errors: true, warnings: true, modules: true, nestedModules: true, ids: true });
  const modules = (info.modules ?? []).flatMap((m) => [m, ...(m.modules ?? [])]).map((m) => m.identifier ?? m.name ?? '');
  return {
    errors: (info.errors ?? []).map((e) => e.message),
    warnings: (info.warnings ?? []).map((w) => w.message),
    unbundled: modules.filter((name) => name.startsWith('external ')),
    inputs: modules,
  };
}
