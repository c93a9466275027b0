/**
 * The AMQP transport under broker faults, on a RabbitMQ of its own (the shared one must not be paused,
 * stopped or killed): a frozen broker (docker pause) is detected by the idle time-out watchdog within
 * 1.5 × heartbeatMs, a stopped or killed broker is reported once, confirmed sends in flight fail
 * retryably, close() does not hang on a frozen broker, and a link the broker detaches is reported.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionError } from '../../src/core/errors.js';
import type { Delivery } from '../../src/core/transport.js';
import { keepAliveFor } from '../../src/transports/amqp/keep-alive.js';
import { startRabbitMQ, type Broker } from '../support/brokers.js';
import { eventually, randomName, sleep } from '../support/wait.js';
import { message, openAmqp, request, text } from './amqp-support.js';

const exec = promisify(execFile);
let rabbitmq: Broker;

beforeAll(async () => {
  rabbitmq = await startRabbitMQ();
}, 180_000);

afterAll(async () => {
  await rabbitmq?.dispose();
});

const url = () => rabbitmq.endpoints.amqp!;

describe.each([1000, 2000])('AMQP on RabbitMQ 3.10, heartbeatMs %i', (heartbeatMs) => {
  it('stays up while idle, then detects a frozen broker within 1.5 × heartbeatMs; sends in flight fail retryably', async () => {
    const { connection: c, lost, lostAt } = await openAmqp(url(), rabbitmq, { heartbeatMs });
    try {
      // Idle for three detection windows: only the broker's empty frames keep the watchdog quiet.
      await sleep(3 * 1.5 * heartbeatMs);
      expect(lost).toEqual([]);
      const queue = randomName('hang');
      await c.publish(message(queue, 'attach the link first', { kind: 'queue' }), true);
      await rabbitmq.pause();
      const pausedAt = performance.now();
      const inFlight = c.publish(message(queue, 'x', { kind: 'queue' }), true).catch((e: unknown) => e);
      await eventually(() => expect(lost).toHaveLength(1), 5 * heartbeatMs);
      const detectionMs = lostAt[0]! - pausedAt;
      console.log(`[amqp RabbitMQ] heartbeatMs ${heartbeatMs}: frozen broker detected after ${Math.round(detectionMs)} ms`);
      expect(detectionMs).toBeLessThanOrEqual(1.5 * heartbeatMs);
      // Not early: dead only after deadAfterMs of silence, as the watchdog measured it. pausedAt cannot
      // tell: it is taken when `docker pause` returns, which on a loaded machine is long after the freeze.
      expect(lost[0]).toBeInstanceOf(ConnectionError);
      const silentMs = Number(/sent nothing for (\d+) ms/.exec(lost[0]!.message)?.[1]);
      expect(silentMs).toBeGreaterThanOrEqual(keepAliveFor(heartbeatMs)!.deadAfterMs);
      const error = await inFlight;
      expect(error).toBeInstanceOf(ConnectionError);
      expect((error as ConnectionError).retryable).toBe(true);
      await sleep(heartbeatMs);
      expect(lost).toHaveLength(1);
    } finally {
      await rabbitmq.unpause();
      await c.close();
    }
  });
});

describe('AMQP on RabbitMQ 3.10: faults', () => {
  it('close() returns promptly on a frozen broker and reports no loss', async () => {
    const { connection: c, lost } = await openAmqp(url(), rabbitmq);
    await rabbitmq.pause();
    try {
      const started = performance.now();
      await c.close();
      expect(performance.now() - started).toBeLessThan(3000);
      await sleep(200);
      expect(lost).toEqual([]);
    } finally {
      await rabbitmq.unpause();
    }
  });

  it('reports a receiver link the broker detaches (queue deleted) as a lost connection, once', async () => {
    const { connection: c, lost } = await openAmqp(url(), rabbitmq);
    try {
      const queue = randomName('deleted');
      await c.subscribe(request(queue, { kind: 'queue' }), () => undefined);
      await exec('docker', ['exec', rabbitmq.containerName, 'rabbitmqctl', 'delete_queue', queue]);
      await eventually(() => expect(lost).toHaveLength(1));
      expect(lost[0]).toBeInstanceOf(ConnectionError);
      await sleep(300);
      expect(lost).toHaveLength(1);
    } finally {
      await c.close();
    }
  });

  it('reports a graceful broker stop once (the broker closes the connection)', async () => {
    const { connection: c, lost } = await openAmqp(url(), rabbitmq);
    await rabbitmq.stop();
    try {
      await eventually(() => expect(lost).toHaveLength(1), 30_000);
      expect(lost[0]).toBeInstanceOf(ConnectionError);
      expect(lost[0]!.retryable).toBe(true);
      await sleep(300);
      expect(lost).toHaveLength(1);
    } finally {
      await rabbitmq.start();
      await c.close();
    }
  });

  it('reports a killed broker once; confirmed sends in flight reject retryably; a new open works after restart', async () => {
    const { connection: c, lost } = await openAmqp(url(), rabbitmq);
    const queue = randomName('kill');
    const got: Delivery[] = [];
    await c.subscribe(request(queue, { kind: 'queue' }), (d) => {
      got.push(d);
      void c.ack(d);
    });
    await c.publish(message(queue, 'before', { kind: 'queue' }), true);
    await eventually(() => expect(got.map(text)).toEqual(['before']));
    const inFlight = Array.from({ length: 500 }, (_, i) => c.publish(message(queue, String(i), { kind: 'queue' }), true).then(() => 'confirmed', (e: unknown) => e));
    await rabbitmq.kill();
    const outcomes = await Promise.all(inFlight);
    const failures = outcomes.filter((o) => o !== 'confirmed');
    for (const failure of failures) {
      expect(failure).toBeInstanceOf(ConnectionError);
      expect((failure as ConnectionError).retryable).toBe(true);
    }
    await eventually(() => expect(lost).toHaveLength(1));
    await sleep(300);
    expect(lost).toHaveLength(1);
    await c.close();
    await rabbitmq.start();
    const again = await openAmqp(url(), rabbitmq);
    await again.connection.publish(message(queue, 'after', { kind: 'queue' }), true);
    await again.connection.close();
  });
});
