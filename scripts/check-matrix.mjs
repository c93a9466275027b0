#!/usr/bin/env node
// Fails when a runnable combination of test/conformance/matrix.ts did not run, or did not fully pass.
// Reads the JSON report that `npm test` asks vitest to write.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

const report = JSON.parse(readFileSync(process.argv[2] ?? '.cache/vitest-report.json', 'utf8'));
const source = readFileSync(new URL('../test/conformance/matrix.ts', import.meta.url), 'utf8');
// A conditional entry names a fact that the integration project's global setup recorded.
let facts = {};
try {
  facts = JSON.parse(readFileSync(new URL('../.cache/matrix-facts.json', import.meta.url), 'utf8'));
} catch {
  // No integration run: conditional entries count as not runnable.
}
const entries = [...source.matchAll(/id: '([^']+)'[^}]*?runnable: (true|false|'[^']+')/gs)].map((m) => {
  const value = m[2];
  if (value === 'true' || value === 'false') return { id: m[1], runnable: value === 'true', condition: undefined };
  const condition = value.slice(1, -1);
  return { id: m[1], runnable: facts[condition] === true, condition };
});

const byFile = new Map();
for (const file of report.testResults ?? []) {
  const results = file.assertionResults ?? [];
  byFile.set(basename(file.name, '.test.ts'), {
    passed: results.filter((r) => r.status === 'passed').length,
    failed: results.filter((r) => r.status === 'failed').length,
    skipped: results.filter((r) => r.status !== 'passed' && r.status !== 'failed').length,
  });
}

let problems = 0;
const rows = [];
for (const { id, runnable, condition } of entries) {
  const result = byFile.get(id);
  if (!runnable) {
    const why = condition ? `runs only where ${condition}, which does not hold here` : 'declared not runnable here';
    rows.push(`  ${id.padEnd(20)} ${why} (see test/conformance/matrix.ts)`);
    continue;
  }
  if (!result) {
    problems++;
    rows.push(`  ${id.padEnd(20)} MISSING: no test/conformance/${id}.test.ts ran`);
  } else if (result.failed > 0 || result.skipped > 0 || result.passed === 0) {
    problems++;
    rows.push(`  ${id.padEnd(20)} FAILED: ${result.passed} passed, ${result.failed} failed, ${result.skipped} skipped`);
  } else {
    rows.push(`  ${id.padEnd(20)} ${result.passed} passed`);
  }
}
console.log('Conformance matrix:\n' + rows.join('\n'));
// The plain closing line CI reads: every test of the run, not only the conformance suites.
console.log(`${report.numPassedTests ?? 0} passed, ${report.numFailedTests ?? 0} failed`);
if (problems > 0) {
  console.error(`check-matrix: ${problems} runnable combination(s) did not run or did not pass`);
  process.exit(1);
}
