#!/usr/bin/env -S npx tsx
// Fails when a runnable combination of test/conformance/matrix.ts did not run, did not fully pass, or
// silently left out a case of the suite that ran elsewhere. Reads the JSON report that `npm test` asks
// vitest to write. Run with tsx (it imports matrix.ts).
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { MATRIX } from '../test/conformance/matrix.ts';

// One report per vitest run (npm test runs the failover suites in a second process): merged.
const reports = (process.argv.length > 2 ? process.argv.slice(2) : ['.cache/vitest-report.json']).map((file) => JSON.parse(readFileSync(file, 'utf8')));
const report = {
  testResults: reports.flatMap((r) => r.testResults ?? []),
  numPassedTests: reports.reduce((n, r) => n + (r.numPassedTests ?? 0), 0),
  numFailedTests: reports.reduce((n, r) => n + (r.numFailedTests ?? 0), 0),
};
// A conditional entry names a fact that the integration project's global setup recorded.
let facts = {};
try {
  facts = JSON.parse(readFileSync(new URL('../.cache/matrix-facts.json', import.meta.url), 'utf8'));
} catch {
  // No integration run: conditional entries count as not runnable.
}
const entries = MATRIX.map((entry) => ({
  ...entry,
  condition: typeof entry.runnable === 'string' ? entry.runnable : undefined,
  runnable: typeof entry.runnable === 'string' ? facts[entry.runnable] === true : entry.runnable,
}));

/** Per fixture: its results, and its cases keyed by their path under `conformance: <id>`. */
const byFile = new Map();
for (const file of report.testResults ?? []) {
  const results = file.assertionResults ?? [];
  const cases = new Map();
  let lacks;
  for (const r of results) {
    if (!r.ancestorTitles?.[0]?.startsWith('conformance: ')) continue;
    cases.set([...r.ancestorTitles.slice(1), r.title].join(' › '), { status: r.status, meta: r.meta ?? {} });
    if (r.meta?.fixtureLacks) lacks = r.meta.fixtureLacks;
  }
  byFile.set(basename(file.name, '.test.ts'), {
    passed: results.filter((r) => r.status === 'passed').length,
    failed: results.filter((r) => r.status === 'failed').length,
    skipped: results.filter((r) => r.status !== 'passed' && r.status !== 'failed').length,
    cases,
    lacks: lacks ?? [],
  });
}

// Every case that ran on some runnable fixture.
const allCases = new Map();
for (const { id, runnable } of entries) {
  if (!runnable) continue;
  for (const [key, { meta }] of byFile.get(id)?.cases ?? []) if (!allCases.has(key)) allCases.set(key, meta);
}

/** Why `key` may be absent on this fixture, or undefined when it must not be. */
function excuse(entry, result, key, meta) {
  const lacked = (meta.needs ?? []).filter((c) => result.lacks.includes(c));
  if (lacked.length > 0) return `needs ${lacked.join(', ')}`;
  const present = (meta.without ?? []).filter((c) => !result.lacks.includes(c));
  if (present.length > 0) return `checks the lack of ${present.join(', ')}`;
  for (const [prefix, reason] of Object.entries(entry.notRun ?? {})) {
    if (key === prefix || key.startsWith(`${prefix} › `)) return reason;
  }
  return undefined;
}

let problems = 0;
const rows = [];
for (const entry of entries) {
  const { id, runnable, condition } = entry;
  const result = byFile.get(id);
  if (!runnable) {
    const why = condition ? `runs only where ${condition}, which does not hold here` : 'declared not runnable here';
    rows.push(`  ${id.padEnd(20)} ${why} (see test/conformance/matrix.ts)`);
    continue;
  }
  if (!result) {
    problems++;
    rows.push(`  ${id.padEnd(20)} MISSING: no test/conformance/${id}.test.ts ran`);
    continue;
  }
  const declared = [];
  const undeclared = [];
  for (const [key, meta] of allCases) {
    if (result.cases.has(key)) continue;
    const reason = excuse(entry, result, key, meta);
    if (reason === undefined) undeclared.push(key);
    else if (Object.values(entry.notRun ?? {}).includes(reason)) declared.push(`${key}: ${reason}`);
  }
  if (result.failed > 0 || result.skipped > 0 || result.passed === 0) {
    problems++;
    rows.push(`  ${id.padEnd(20)} FAILED: ${result.passed} passed, ${result.failed} failed, ${result.skipped} skipped`);
  } else {
    rows.push(`  ${id.padEnd(20)} ${result.passed} passed`);
  }
  for (const line of declared) rows.push(`  ${''.padEnd(20)} not run, declared: ${line}`);
  if (undeclared.length > 0) {
    problems++;
    for (const key of undeclared) rows.push(`  ${''.padEnd(20)} NOT RUN, no reason in matrix.ts (notRun): ${key}`);
  }
}
console.log('Conformance matrix:\n' + rows.join('\n'));
// The plain closing line CI reads: every test of the run, not only the conformance suites.
console.log(`${report.numPassedTests ?? 0} passed, ${report.numFailedTests ?? 0} failed`);
if (problems > 0) {
  console.error(`check-matrix: ${problems} runnable combination(s) did not run, did not pass, or left out cases without a declared reason`);
  process.exit(1);
}
