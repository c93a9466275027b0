/**
 * Global setup of the integration project (vitest.config.ts): makes sure a Docker engine answers and the
 * broker image exists, starts one shared ActiveMQ, RabbitMQ and Mosquitto in parallel, and provides their
 * endpoints to the test files (read them with sharedBrokers() from ./shared-brokers.js). Test files run one
 * at a time; those that inject faults start their own brokers.
 *
 * Without Docker this fails, loudly: the integration tests are never silently skipped.
 * The returned teardown removes every container; if setup fails halfway, it removes what it started itself.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { startActiveMQ, startMosquitto, startRabbitMQ, sweepOrphanedContainers, type Broker, type BrokerInfo } from './brokers.js';
import type { SharedBrokers } from './provided-context.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');

function info(broker: Broker): BrokerInfo {
  const { kind, endpoints, protocols, ports, username, password, containerId } = broker;
  return { kind, endpoints, protocols, ports, username, password, containerId };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
  try {
    execFileSync('bash', [resolve(ROOT, 'scripts/ensure-docker.sh')], { stdio: 'inherit' });
  } catch {
    throw new Error(
      'The integration tests need a Docker engine and none could be started (see the message above and /var/log/dockerd.log). ' +
        '`npm run test:unit` runs the subset of the tests that needs no Docker.',
    );
  }
  const started = Date.now();
  let image: string;
  try {
    image = execFileSync('bash', [resolve(ROOT, 'scripts/ensure-images.sh')], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' }).trim().split('\n').pop() ?? '';
  } catch {
    throw new Error('scripts/ensure-images.sh could not build the broker image (see its message above). `npm run test:unit` runs the tests that need no Docker.');
  }
  process.env.UMQ_BROKER_IMAGE = image; // test workers reuse it instead of running the script again

  await sweepOrphanedContainers(); // leftovers of an earlier run that was killed before its teardown

  const brokers: Broker[] = [];
  const teardown = async () => {
    await Promise.all(brokers.splice(0).map((broker) => broker.dispose()));
    await sweepOrphanedContainers({ includeOwn: true }); // whatever a test file started and did not dispose of
  };
  const results = await Promise.allSettled([startActiveMQ(), startRabbitMQ(), startMosquitto()]);
  for (const result of results) if (result.status === 'fulfilled') brokers.push(result.value);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await teardown();
    throw failed.reason;
  }
  const [activemq, rabbitmq, mosquitto] = brokers as [Broker, Broker, Broker];
  const shared: SharedBrokers = { activemq: info(activemq), rabbitmq: info(rabbitmq), mosquitto: info(mosquitto) };
  project.provide('brokers', shared);
  // What this image can serve, for scripts/check-matrix.mjs (matrix entries that run only where it can).
  mkdirSync(resolve(ROOT, '.cache'), { recursive: true });
  writeFileSync(resolve(ROOT, '.cache/matrix-facts.json'), JSON.stringify({ 'activemq-serves-amqp': shared.activemq.endpoints.amqp !== undefined }));
  console.log(`[global-setup] ${image}: shared brokers ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return teardown;
}
