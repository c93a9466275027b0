/**
 * The API reference (`npm run docs`, TypeDoc over the five entry points, typedoc.json) builds with no
 * warning at all: every export documented, every type a public signature uses exported, every link
 * resolved. And the shipped .d.ts keep nothing marked @internal (tsconfig `stripInternal`).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, explain, run } from './support.js';

describe('the API reference', () => {
  it('builds with npm run docs and zero warnings', async () => {
    const result = await run('npm', ['run', 'docs'], { timeoutMs: 170_000 });
    expect(result.code, explain(result)).toBe(0);
    expect(`${result.stdout}\n${result.stderr}`, explain(result)).not.toMatch(/\[warning\]|\[error\]/);
    expect(existsSync(join(ROOT, '.cache/api/index.html'))).toBe(true);
  });

  it('is not contradicted by the shipped declarations: no @internal member left in them', () => {
    const declarations = readdirSync(join(ROOT, 'dist')).filter((name) => /\.d\.c?ts$/.test(name));
    expect(declarations.length).toBeGreaterThan(0);
    for (const name of declarations) expect(readFileSync(join(ROOT, 'dist', name), 'utf8'), name).not.toContain('@internal');
  });
});
