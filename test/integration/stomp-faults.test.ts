/**
 * The STOMP transport under broker faults, on brokers of its own (the shared ones must not be paused):
 * a frozen broker (docker pause) is detected by heart-beats within 1.5 × heartbeatMs and never before,
 * a killed broker is reported once, confirmed sends in flight fail retryably, close() does not hang on a
 * frozen broker, and a frame over maxFrameBytes closes the connection before it is buffered.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionError, PayloadTooLargeError } from '../../src/core/errors.js';
import { startActiveMQ, startRabbitMQ, type Broker } from '../support/brokers.js';
import { rawStomp } from '../support/raw-clients.js';
import { eventually, randomName, sleep } from '../support/wait.js';
import { message, openStomp, request } from './stomp-support.js';

let activemq: Broker;
let rabbitmq: Broker;

beforeAll(async () => {
  [activemq, rabbitmq] = await Promise.all([startActiveMQ(), startRabbitMQ()]);
}, 180_000);

afterAll(async () => {
  await Promise.all([activemq?.dispose(), rabbitmq?.dispose()]);
});

// RabbitMQ rounds heart-beat intervals to whole seconds, so 2 s is the smallest heartbeatMs it can meet.
const targets = [
  { name: 'ActiveMQ', broker: () => activemq, heartbeatMs: 1000 },
  { name: 'RabbitMQ', broker: () => rabbitmq, heartbeatMs: 2000 },
];

describe.each(targets)('STOMP faults on $name', (target) => {
  const url = () => target.broker().endpoints.stomp!;

  it('stays up while idle, then detects a frozen broker within 1.5 × heartbeatMs; sends in flight fail retryably', async () => {
    const heartbeatMs = target.heartbeatMs;
    const { connection: c, lost, lostAt } = await openStomp(url(), target.broker(), { heartbeatMs });
    try {
      // Idle for three detection windows: brokers heart-beat only when nothing else was sent.
      await sleep(3 * 1.5 * heartbeatMs);
      expect(lost).toEqual([]);
      await target.broker().pause();
      const pausedAt = performance.now();
      const inFlight = c.publish(message(randomName('hang'), 'x'), true).catch((e: unknown) => e);
      await eventually(() => expect(lost).toHaveLength(1), 5 * heartbeatMs);
      const detectionMs = lostAt[0]! - pausedAt;
      console.log(`[stomp ${target.name}] heartbeatMs ${heartbeatMs}: frozen broker detected after ${Math.round(detectionMs)} ms`);
      expect(detectionMs).toBeLessThanOrEqual(1.5 * heartbeatMs);
      expect(lost[0]).toBeInstanceOf(ConnectionError);
      // Not declared dead early: the silence it measured (from the last sign of life, not from when
      // `docker pause` returned, which can lag the freeze by hundreds of ms under load) spans a heartbeat.
      const silentMs = Number(/sent nothing for (\d+) ms/.exec(lost[0]!.message)?.[1]);
      expect(silentMs).toBeGreaterThanOrEqual(0.9 * heartbeatMs);
      const error = await inFlight;
      expect(error).toBeInstanceOf(ConnectionError);
      expect((error as ConnectionError).retryable).toBe(true);
      await sleep(heartbeatMs);
      expect(lost).toHaveLength(1);
    } finally {
      await target.broker().unpause();
      await c.close();
    }
  });

  it('close() returns promptly on a frozen broker and reports no loss', async () => {
    const { connection: c, lost } = await openStomp(url(), target.broker(), { heartbeatMs: 10_000 });
    await target.broker().pause();
    try {
      const started = performance.now();
      await c.close();
      expect(performance.now() - started).toBeLessThan(3000);
      await sleep(200);
      expect(lost).toEqual([]);
    } finally {
      await target.broker().unpause();
    }
  });

  it('closes the connection with PayloadTooLargeError when a frame declares more than maxFrameBytes', async () => {
    const topic = randomName('big');
    const { connection: c, lost } = await openStomp(url(), target.broker(), { transport: { maxFrameBytes: 64 * 1024 } });
    expect(c.capabilities.maxMessageBytes).toBe(64 * 1024);
    const got: number[] = [];
    await c.subscribe(request(topic), (d) => void got.push(d.bytes.length));
    const broker = target.broker();
    const raw = await rawStomp(url(), broker.username ? { login: broker.username, passcode: broker.password! } : undefined);
    try {
      raw.client.publish({ destination: `/topic/${topic}`, binaryBody: new Uint8Array(64 * 1024) });
      raw.client.publish({ destination: `/topic/${topic}`, binaryBody: new Uint8Array(64 * 1024 + 1) });
      await eventually(() => expect(lost).toHaveLength(1));
      expect(got).toEqual([64 * 1024]);
      expect(lost[0]).toBeInstanceOf(PayloadTooLargeError);
      expect(lost[0]!.message).toMatch(/65537 bytes, over the limit of 65536 bytes/);
    } finally {
      await raw.close();
      await c.close();
    }
  });

  it('reports a killed broker once, as a retryable ConnectionError, and fails sends in flight retryably', async () => {
    const { connection: c, lost } = await openStomp(url(), target.broker(), { heartbeatMs: 10_000 });
    const queue = randomName('kill');
    const inFlight = Array.from({ length: 200 }, (_, i) => c.publish(message(queue, String(i), { kind: 'queue' }), true).then(
      () => 'confirmed',
      (e: unknown) => e,
    ));
    await target.broker().kill();
    await eventually(() => expect(lost).toHaveLength(1));
    expect(lost[0]).toBeInstanceOf(ConnectionError);
    expect(lost[0]!.retryable).toBe(true);
    const outcomes = await Promise.all(inFlight);
    for (const outcome of outcomes) {
      if (outcome !== 'confirmed') {
        expect(outcome).toBeInstanceOf(ConnectionError);
        expect((outcome as ConnectionError).retryable).toBe(true);
      }
    }
    await sleep(500);
    expect(lost).toHaveLength(1);
    await c.close();
  });
});
