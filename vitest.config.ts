import { defineConfig } from 'vitest/config';

/**
 * Integration files on brokers of their own (to pause, kill or cut them, or, for the browsers, to be alone
 * on one): they need none of the shared ones.
 */
const OWN_BROKER_FILES = [
  'test/integration/browser.test.ts',
  'test/integration/amqp-faults.test.ts',
  'test/integration/mqtt-faults.test.ts',
  'test/integration/stomp-faults.test.ts',
  'test/integration/broker-faults.test.ts',
  'test/integration/smoke-activemq-pair.test.ts',
];

/*
 * npm test (scripts/run-tests.mjs) runs three vitest processes at once: `unit`, `package` and `integration`
 * (one file at a time, on the shared brokers); `failover` (one file at a time, each on brokers of its own),
 * then `failover-independent`; `own-brokers` (one file at a time). vitest puts every project that forbids
 * file parallelism in one sequential group, even across projects, hence separate processes.
 */

/** The failover projects: long fault scenarios on brokers of their own. */
const FAILOVER = { testTimeout: 240_000, hookTimeout: 180_000, env: { TESTCONTAINERS_RYUK_DISABLED: 'true' } };

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'test/fuzz/**/*.test.ts', 'test/conformance/memory.test.ts'],
          testTimeout: 20_000,
          // One worker for every file (half the time of a fresh one per file); the files share no state.
          isolate: false,
        },
      },
      {
        // The package as users get it: dist/ bundled by esbuild, Rollup and webpack, npm pack, the examples,
        // the API reference. No Docker; the global setup builds dist/ when it is stale.
        test: {
          name: 'package',
          include: ['test/package/**/*.test.ts', 'test/bundle/**/*.test.ts'],
          globalSetup: ['test/package/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 300_000,
        },
      },
      {
        test: {
          name: 'integration',
          // in-flight.test.ts injects its faults through proxies in front of the shared brokers.
          include: ['test/integration/**/*.test.ts', 'test/conformance/*.test.ts', 'test/failover/in-flight.test.ts'],
          exclude: ['test/conformance/memory.test.ts', ...OWN_BROKER_FILES],
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
          // One worker for every file: a fresh one per file cost about 2 s each, 90 s over the 43 files.
          isolate: false,
          env: { TESTCONTAINERS_RYUK_DISABLED: 'true' },
        },
      },
      {
        // Single-broker faults (pause, kill, cut) and the browsers, on brokers of their own: npm test runs this
        // project in a process of its own, beside the others (scripts/run-tests.mjs); it mostly waits.
        test: {
          name: 'own-brokers',
          include: OWN_BROKER_FILES,
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
          env: { TESTCONTAINERS_RYUK_DISABLED: 'true' },
        },
      },
      {
        // Failover under real faults on the ActiveMQ pair, once per protocol, each file on a pair of its own
        // (no shared brokers; in-flight.test.ts uses those, see above). One at a time: two at once saved about
        // a minute, but under that load a clean-clone run failed a failback case (one publish of 23 880 not
        // confirmed) and a `docker pause` (the engine could not freeze the container).
        test: {
          name: 'failover',
          include: ['test/failover/activemq-pair-*.test.ts'],
          maxWorkers: 1,
          ...FAILOVER,
        },
      },
      {
        // Two independent RabbitMQs of its own: after the pair files (group order 1), alone, since its
        // heartbeat-detection bounds are timing-bound and failed by a few ms beside a pair file.
        test: {
          name: 'failover-independent',
          include: ['test/failover/rabbitmq-independent.test.ts'],
          sequence: { groupOrder: 1 },
          ...FAILOVER,
        },
      },
    ],
  },
});
