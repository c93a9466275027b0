#!/usr/bin/env node
// The test run of `npm test`, after the type check and the build. Three vitest processes at once:
// - unit, package and integration: the integration files one at a time, on the shared brokers;
// - failover, on brokers of their own, mostly waiting on takeovers and restarts: the ActiveMQ pair per
//   protocol one after the other, then the two independent RabbitMQs (project failover-independent);
// - own-brokers: the single-broker fault files and the browser tests, one at a time, on brokers of their own.
// vitest runs every project that forbids file parallelism in one sequential group, even across projects,
// hence separate processes. (More at once was slower on 2 cores: the CPU, not the waiting, became the
// limit, and time-bound cases failed. See docs/testing.md.) The Docker engine, the broker image and the browsers
// are made ready first, once, for all of them. Then check-matrix reads the three JSON reports.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);
mkdirSync('.cache', { recursive: true });

try {
  execFileSync('bash', ['scripts/ensure-docker.sh'], { stdio: 'inherit' });
} catch {
  console.error(
    '\nnpm test needs a Docker engine for its integration tests, and none could be started (see the message above ' +
      'and /var/log/dockerd.log). `npm run test:unit` runs the tests that need no Docker.',
  );
  process.exit(1);
}
// The browsers and qpid-proton (the AMQP interop peer) install with apt while the broker image builds
// (debootstrap): both take minutes on a fresh machine, more than a test hook may wait.
const browsers = new Promise((resolve) => {
  const child = spawn('bash', ['-c', 'bash scripts/ensure-browsers.sh && bash scripts/ensure-qpid-proton.sh'], { stdio: 'inherit' });
  child.on('exit', (code) => resolve(code ?? 1));
});
const image = execFileSync('bash', ['scripts/ensure-images.sh'], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' })
  .trim()
  .split('\n')
  .pop();
if ((await browsers) !== 0) {
  console.error('\nnpm test needs Chromium and Firefox ESR (browser tests) and python3-qpid-proton (AMQP interop), and they could not be installed (see the message above).');
  process.exit(1);
}
const env = { ...process.env, UMQ_BROKER_IMAGE: image };
const vitest = join(root, 'node_modules/vitest/vitest.mjs');

/** Runs vitest; with a `prefix`, its output lines are prefixed so that the two runs can be told apart. */
function run(args, prefix) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [vitest, 'run', ...args], { env, stdio: prefix ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
    if (prefix) {
      for (const [from, to] of [[child.stdout, process.stdout], [child.stderr, process.stderr]]) {
        let rest = '';
        from.setEncoding('utf8');
        from.on('data', (text) => {
          const lines = (rest + text).split('\n');
          rest = lines.pop();
          for (const line of lines) to.write(`${prefix} ${line}\n`);
        });
        from.on('end', () => rest && to.write(`${prefix} ${rest}\n`));
      }
    }
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const runs = [
  { projects: ['unit', 'package', 'integration'], report: '.cache/vitest-report.json', prefix: undefined },
  { projects: ['failover', 'failover-independent'], report: '.cache/vitest-report-failover.json', prefix: '[failover]' },
  { projects: ['own-brokers'], report: '.cache/vitest-report-own-brokers.json', prefix: '[own-brokers]' },
];
const codes = await Promise.all(
  runs.map(({ projects, report, prefix }) =>
    run([...projects.flatMap((p) => ['--project', p]), '--reporter=default', '--reporter=json', `--outputFile.json=${report}`], prefix),
  ),
);
const failed = runs.filter((_, i) => codes[i] !== 0).map(({ projects, prefix }) => `${projects.join('/')}${prefix ? ` (lines marked ${prefix})` : ''}`);
if (failed.length > 0) {
  console.error(`\nnpm test: failed: ${failed.join(', ')}.`);
  process.exit(1);
}
const reports = runs.map((r) => r.report);
execFileSync(process.execPath, ['--import', 'tsx', 'scripts/check-matrix.mjs', ...reports], { stdio: 'inherit' });
