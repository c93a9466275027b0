/**
 * Every browser entry of the built package bundles, unmodified, with esbuild, Rollup (as Vite's
 * production build runs it) and webpack 5, in the configuration a new user starts with: no polyfills,
 * no aliases, no `define`. Runs against dist/ (`npm test` builds it first).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { appDirectory, bundle, BUNDLERS, mentionsNodeBuiltin } from '../support/bundlers.js';

/** A tiny app per entry, using what a user of it uses (unused imports would be tree-shaken away). */
const apps: Record<string, string> = {
  'unified-mq': `import { connect, parseEndpoints } from 'unified-mq';\nglobalThis.app = { connect, parseEndpoints };\n`,
  'unified-mq/mqtt': `import { connect } from 'unified-mq';\nimport { mqtt } from 'unified-mq/mqtt';\nglobalThis.app = { connect, transport: mqtt };\n`,
  'unified-mq/amqp': `import { connect } from 'unified-mq';\nimport { amqp } from 'unified-mq/amqp';\nglobalThis.app = { connect, transport: amqp };\n`,
  'unified-mq/stomp': `import { connect } from 'unified-mq';\nimport { stomp } from 'unified-mq/stomp';\nglobalThis.app = { connect, transport: stomp };\n`,
  'unified-mq/memory': `import { connect } from 'unified-mq';\nimport { memory, MemoryBroker } from 'unified-mq/memory';\nglobalThis.app = { connect, transport: memory, MemoryBroker };\n`,
};

/**
 * The protocol library an entry brings into a bundle from node_modules; the others must stay out of it.
 * The AMQP entry brings none: rhea is bundled into dist/browser/amqp.js (see tsup.config.ts).
 */
const libraries: Record<string, RegExp | undefined> = {
  'unified-mq': undefined,
  'unified-mq/mqtt': /(^|[/\\])node_modules[/\\]mqtt[/\\]/,
  'unified-mq/amqp': undefined,
  'unified-mq/stomp': /(^|[/\\])node_modules[/\\]@stomp[/\\]stompjs[/\\]/,
  'unified-mq/memory': undefined,
};
const protocolLibrary = /(^|[/\\])node_modules[/\\](mqtt|rhea|rhea-promise|@stomp[/\\]stompjs|@stomp[/\\]tcp-wrapper|ws)[/\\]/;

const app = appDirectory();
afterAll(() => app.remove());

describe.each(Object.keys(apps))('an app importing %s', (entry) => {
  const file = app.write(`${entry.replace('/', '-')}.js`, apps[entry]!);

  it.each(BUNDLERS)('bundles for the browser with %s, zero configuration, no Node built-in', { timeout: 120_000 }, async (bundler) => {
    const result = await bundle(bundler, file, `${app.dir}/out-${entry.replace('/', '-')}`);
    expect(result.errors).toEqual([]);
    expect(result.warnings.filter(mentionsNodeBuiltin)).toEqual([]);
    expect(result.unbundled).toEqual([]);
    const own = libraries[entry];
    expect(result.inputs.filter((input) => protocolLibrary.test(input) && !own?.test(input))).toEqual([]);
    if (own) expect(result.inputs.some((input) => own.test(input))).toBe(true);
  });
});
