/**
 * What `npm publish` would ship, and whether the tools users' toolchains rely on accept it: the file list
 * of `npm pack` (a file added by mistake, or one missing, fails), publint in strict mode, and
 * arethetypeswrong in every module resolution (node10, node16 from CJS and ESM, bundler).
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, explain, run } from './support.js';

const ENTRIES = ['index', 'mqtt', 'amqp', 'stomp', 'memory'];

/** Files that must ship, by exact path. */
const REQUIRED = [
  'LICENSE',
  'README.md',
  'package.json',
  // The user docs (how to use the package); testing.md, performance.md and transports.md are for contributors.
  'docs/amazon-mq.md',
  'docs/browser.md',
  'docs/failover.md',
  'docs/protocols.md',
  'docs/request-reply.md',
  ...ENTRIES.flatMap((e) => [`dist/${e}.js`, `dist/${e}.cjs`, `dist/${e}.d.ts`, `dist/${e}.d.cts`, `dist/browser/${e}.js`]),
];

/** Files that may ship besides: the build's shared chunks, whose names carry a content hash. */
const CHUNKS = [/^dist\/chunk-[\w-]+\.(js|cjs)$/, /^dist\/browser\/chunk-[\w-]+\.js$/, /^dist\/[a-z]+-[\w-]+\.d\.c?ts$/];

describe('the published package', () => {
  it('ships exactly the user-facing files: the build, the README, the LICENSE and the user docs', async () => {
    const result = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts']);
    expect(result.code, explain(result)).toBe(0);
    const [pack] = JSON.parse(result.stdout) as Array<{ files: Array<{ path: string }>; unpackedSize: number }>;
    const files = pack!.files.map((f) => f.path).sort();
    expect(REQUIRED.filter((path) => !files.includes(path)), 'missing from the package').toEqual([]);
    const unexpected = files.filter((path) => !REQUIRED.includes(path) && !CHUNKS.some((pattern) => pattern.test(path)));
    expect(unexpected, 'shipped but not expected (source maps, tests, contributor docs, …)').toEqual([]);
  });

  it('points every field of package.json at a file that ships', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
    const targets: string[] = [];
    const collect = (value: unknown): void => {
      if (typeof value === 'string') targets.push(value);
      else if (Array.isArray(value)) value.forEach(collect);
      else if (value && typeof value === 'object') Object.values(value).forEach(collect);
    };
    collect([manifest.main, manifest.module, manifest.types, manifest.exports, manifest.typesVersions]);
    const paths = targets.map((t) => t.replace(/^\.\//, ''));
    expect(paths.filter((path) => path !== 'package.json' && !REQUIRED.includes(path))).toEqual([]);
  });

  it('passes publint --strict', async () => {
    const result = await run(join(ROOT, 'node_modules/.bin/publint'), ['--strict']);
    expect(result.code, explain(result)).toBe(0);
    expect(result.stdout, explain(result)).toContain('All good!');
  });

  it('passes arethetypeswrong in every resolution mode', async () => {
    const result = await run(join(ROOT, 'node_modules/.bin/attw'), ['--pack', '.', '--format', 'json']);
    expect(result.code, explain(result)).toBe(0);
    const report = JSON.parse(result.stdout) as { analysis: { problems: unknown[] } };
    expect(report.analysis.problems).toEqual([]);
  });
});
