/**
 * Global setup of the integration project: a Docker engine, the broker image, and one shared
 * ActiveMQ, RabbitMQ and Mosquitto for every test file (files run one at a time). Tests that inject
 * faults start their own brokers. Teardown removes every container, also when setup fails halfway.
 */
import { execFileSync } from 'node:child_process';
import type { TestProject } from 'vitest/node';
import { startActiveMQ, startMosquitto, startRabbitMQ, sweepTestContainers, type Broker, type BrokerInfo, type BrokerKind } from './brokers.js';

declare module 'vitest' {
  export interface ProvidedContext {
    brokers: Record<BrokerKind, BrokerInfo>;
  }
}

const started: Broker[] = [];

function info(broker: Broker): BrokerInfo {
  const { kind, endpoints, protocols, username, password } = broker;
  return { kind, endpoints, protocols, username, password };
}

export async function setup(project: TestProject): Promise<void> {
  process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
  try {
    execFileSync('bash', ['scripts/ensure-docker.sh'], { stdio: 'inherit' });
  } catch {
    throw new Error('No Docker engine could be started, so the integration tests cannot run. `npm run test:unit` runs the tests that need no Docker.');
  }
  execFileSync('bash', ['scripts/ensure-images.sh'], { stdio: ['ignore', 'ignore', 'inherit'] });
  await sweepTestContainers(); // leftovers of a run that was killed before its teardown
  const results = await Promise.allSettled([startActiveMQ(), startRabbitMQ(), startMosquitto()]);
  for (const result of results) if (result.status === 'fulfilled') started.push(result.value);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await teardown();
    throw failed.reason;
  }
  const [activemq, rabbitmq, mosquitto] = started as [Broker, Broker, Broker];
  project.provide('brokers', { activemq: info(activemq), rabbitmq: info(rabbitmq), mosquitto: info(mosquitto) });
}

export async function teardown(): Promise<void> {
  await Promise.all(started.splice(0).map((broker) => broker.dispose()));
  await sweepTestContainers(); // anything a test file started and could not dispose of
}
