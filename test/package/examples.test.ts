/**
 * Every examples/*.ts, as a user would meet it: type-checked against the built package's own .d.ts
 * (examples/tsconfig.json resolves 'unified-mq' through package.json "exports" to dist/), then run against
 * the built package, its output compared with the trailing `// Output:` block of the file (examples/README.md).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, explain, run } from './support.js';

const examples = readdirSync(join(ROOT, 'examples')).filter((name) => name.endsWith('.ts')).sort();
const bin = (name: string) => join(ROOT, 'node_modules/.bin', name);

/** The lines of the trailing `// Output:` comment block, or undefined when the file has none. */
export function expectedOutput(source: string): string[] | undefined {
  const lines = source.trimEnd().split('\n');
  const start = lines.lastIndexOf('// Output:');
  if (start < 0) return undefined;
  const block = lines.slice(start + 1);
  if (block.some((line) => !line.startsWith('//'))) return undefined; // not trailing: code follows it
  return block.map((line) => line.replace(/^\/\/ ?/, ''));
}

/** One expected line as a pattern: literal text, where `...` stands for any run of characters. */
function linePattern(expected: string): RegExp {
  const parts = expected.split('...').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('.*?')}$`);
}

describe('examples', () => {
  it('finds the examples', () => {
    expect(examples).toContain('quickstart.ts');
  });

  it('type-check against the built package', async () => {
    const result = await run(bin('tsc'), ['-p', 'examples/tsconfig.json']);
    expect(result.code, explain(result)).toBe(0);
  });

  it.each(examples)('%s prints its // Output: block', async (name) => {
    const expected = expectedOutput(readFileSync(join(ROOT, 'examples', name), 'utf8'));
    expect(expected, `examples/${name} ends without a "// Output:" comment block (see examples/README.md)`).toBeDefined();
    const result = await run(bin('tsx'), ['--tsconfig', 'examples/tsconfig.json', join('examples', name)], { timeoutMs: 90_000 });
    expect(result.code, explain(result)).toBe(0);
    const actual = result.stdout.trimEnd().split('\n');
    const mismatch = expected!.findIndex((line, i) => !linePattern(line).test(actual[i] ?? ''));
    const report = `examples/${name} printed:\n${result.stdout}\nexpected (\`...\` = anything):\n${expected!.join('\n')}`;
    expect(mismatch, report).toBe(-1);
    expect(actual.length, report).toBe(expected!.length);
  });
});
