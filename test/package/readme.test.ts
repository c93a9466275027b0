/**
 * A new user who follows only the README: installs the package (here from the tarball `npm pack` makes,
 * into an empty project outside this repository, runtime dependencies from the npm cache where it has
 * them), saves the README's first example as example.mjs, runs it with node and sees what the README says
 * it prints.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, explain, run } from './support.js';

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/^```(\w+)\n([\s\S]*?)^```$/gm)].map(([, language, code]) => ({ language: language!, code: code! }));
const work = mkdtempSync(join(tmpdir(), 'umq-readme-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the README, followed by a new user', () => {
  it('starts with the install command, then a ten-line example and what it prints', () => {
    expect(blocks[0]).toEqual({ language: 'sh', code: 'npm i unified-mq\n' });
    expect(blocks[1]!.language).toBe('js');
    expect(blocks[1]!.code.split('\n').filter((line) => line.trim() !== '').length).toBeLessThanOrEqual(10);
    expect(blocks[2]!.language).toBe('text');
  });

  it('gets a message across on the in-memory broker, with the package installed from its tarball', async () => {
    const pack = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work]);
    expect(pack.code, explain(pack)).toBe(0);
    const tarball = join(work, (JSON.parse(pack.stdout) as Array<{ filename: string }>)[0]!.filename);

    const app = join(work, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'readme-user', version: '1.0.0', private: true }));
    const install = await run('npm', ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund'], { cwd: app, timeoutMs: 170_000 });
    expect(install.code, explain(install)).toBe(0);

    writeFileSync(join(app, 'example.mjs'), blocks[1]!.code);
    const example = await run(process.execPath, ['example.mjs'], { cwd: app, timeoutMs: 60_000 });
    expect(example.code, explain(example)).toBe(0);
    expect(example.stdout).toBe(blocks[2]!.code);
  });
});
