/**
 * The shipped package (dist/, built by `npm test` before the tests run), loaded the way users load it:
 * through its package.json exports, as ESM and as CJS.
 */
import { readFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
// A specifier in a variable: the type checker runs before the build, when dist/ does not exist yet.
const load = (specifier: string) => import(specifier);
const entries = ['unified-mq', 'unified-mq/mqtt', 'unified-mq/amqp', 'unified-mq/stomp', 'unified-mq/memory'];
const factories: Record<string, string> = { 'unified-mq': 'connect', 'unified-mq/mqtt': 'mqtt', 'unified-mq/amqp': 'amqp', 'unified-mq/stomp': 'stomp', 'unified-mq/memory': 'memory' };

describe('the built package', () => {
  it.each(entries)('%s loads as ESM and as CJS', async (entry) => {
    const esm = await load(entry);
    const cjs = require(entry);
    expect(typeof esm[factories[entry]!]).toBe('function');
    expect(typeof cjs[factories[entry]!]).toBe('function');
  });

  it('keeps every transport library out of the core entry point', () => {
    const core = readFileSync(require.resolve('unified-mq'), 'utf8');
    const imported = [...core.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]!);
    expect(imported.filter((name) => /mqtt|rhea|stomp|^ws$/.test(name))).toEqual([]);
  });

  it('has a browser build for every entry, without Node modules, without mqtt.js or rhea for STOMP, and with rhea inside for AMQP', () => {
    const manifest = JSON.parse(readFileSync(require.resolve('unified-mq/package.json'), 'utf8')) as { exports: Record<string, { browser?: { default: string } }> };
    const root = dirname(require.resolve('unified-mq/package.json'));
    /** The bare imports of a built file and of the chunks it imports, transitively. */
    const imports = (file: string, seen = new Set<string>()): Set<string> => {
      const bare = new Set<string>();
      if (seen.has(file)) return bare;
      seen.add(file);
      const code = readFileSync(file, 'utf8');
      for (const [, specifier] of code.matchAll(/^(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]|^import\s*['"]([^'"]+)['"]/gm)) {
        if (!specifier) continue;
        if (specifier.startsWith('.')) for (const name of imports(join(dirname(file), specifier), seen)) bare.add(name);
        else bare.add(specifier);
      }
      return bare;
    };
    const browserImports: Record<string, string[]> = {};
    for (const entry of ['.', './mqtt', './amqp', './stomp', './memory']) {
      const target = manifest.exports[entry]?.browser?.default;
      expect(target, `exports["${entry}"].browser`).toMatch(/^\.\/dist\/browser\//);
      browserImports[entry] = [...imports(join(root, target!))].sort();
    }
    const nodeOnly = new RegExp(`^(node:|ws$|@stomp/tcp-wrapper$|(${builtinModules.join('|')})$)`);
    for (const [entry, names] of Object.entries(browserImports)) expect(names.filter((n) => nodeOnly.test(n)), entry).toEqual([]);
    expect([...browserImports['.']!, ...browserImports['./stomp']!].filter((n) => /^(mqtt|rhea|rhea-promise)$/.test(n))).toEqual([]);
    expect(browserImports['./stomp']!.filter((n) => n !== '@stomp/stompjs' && n !== 'eventemitter3')).toEqual([]);
    // rhea is CommonJS for Node: the AMQP browser build carries it, with its stand-ins, inside (tsup.config.ts).
    expect(browserImports['./amqp']!.filter((n) => n !== 'eventemitter3')).toEqual([]);
  });

  it('runs a round trip on the in-memory broker from the built files', async () => {
    const { connect } = (await load('unified-mq')) as typeof import('../../src/index.js');
    const { memory, MemoryBroker } = (await load('unified-mq/memory')) as typeof import('../../src/transports/memory/index.js');
    const broker = new MemoryBroker({ name: 'package-test' });
    await broker.start();
    const client = await connect({ transport: memory(), endpoints: [broker.url] });
    const got: string[] = [];
    await client.consume('q', (m) => void got.push(new TextDecoder().decode(m.bytes)));
    await client.send('q', 'from dist');
    while (got.length === 0) await new Promise((r) => setTimeout(r, 5));
    expect(got).toEqual(['from dist']);
    await client.close();
    await broker.stop();
  });
});
