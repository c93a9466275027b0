/**
 * Global setup of the package project (vitest.config.ts): its tests read dist/, which `npm test` builds
 * before vitest starts. Run on their own (`npx vitest run --project package`), they build it first when
 * it is missing or older than a source file, so they never pass or fail on a stale build.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './support.js';

function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

export default function setup(): void {
  const built = join(ROOT, 'dist/index.js');
  const inputs = Math.max(newest(join(ROOT, 'src')), statSync(join(ROOT, 'package.json')).mtimeMs, statSync(join(ROOT, 'tsup.config.ts')).mtimeMs);
  if (existsSync(built) && statSync(built).mtimeMs >= inputs) return;
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
}
