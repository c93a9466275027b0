/**
 * The MQTT transport under faults, on brokers of its own (the shared ones must not be paused or killed):
 * a frozen broker (docker pause) is detected by the keep-alive watchdog within 1.5 × heartbeatMs and
 * never before; close() does not hang on a frozen broker; a killed broker is reported once and confirmed
 * publishes in flight fail retryably; a packet over maxFrameBytes closes the connection before it is
 * buffered, whether a real broker relays it or a fake one declares 256 MiB.
 */
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionError, PayloadTooLargeError } from '../../src/core/errors.js';
import type { Delivery } from '../../src/core/transport.js';
import { startActiveMQ, startMosquitto, startRabbitMQ, type Broker } from '../support/brokers.js';
import { rawMqtt } from '../support/raw-clients.js';
import { eventually, randomName, sleep } from '../support/wait.js';
import { message, openMqtt, request } from './mqtt-support.js';

let activemq: Broker;
let rabbitmq: Broker;
let mosquitto: Broker;

beforeAll(async () => {
  [activemq, rabbitmq, mosquitto] = await Promise.all([startActiveMQ(), startRabbitMQ(), startMosquitto()]);
}, 180_000);

afterAll(async () => {
  await Promise.all([activemq?.dispose(), rabbitmq?.dispose(), mosquitto?.dispose()]);
});

const targets = [
  { name: 'ActiveMQ (MQTT 3.1.1)', broker: () => activemq, version: 4 as const },
  { name: 'RabbitMQ (MQTT 3.1.1)', broker: () => rabbitmq, version: 4 as const },
  { name: 'Mosquitto (MQTT 5)', broker: () => mosquitto, version: 5 as const },
];

describe.each(targets)('MQTT faults on $name', (target) => {
  const url = () => target.broker().endpoints.mqtt!;
  const open = (extra: Parameters<typeof openMqtt>[2] = {}) =>
    openMqtt(url(), target.broker(), { ...extra, transport: { protocolVersion: target.version, ...extra.transport } });

  it('stays up while idle, then detects a frozen broker within 1.5 × heartbeatMs; publishes in flight fail retryably', async () => {
    const heartbeatMs = 1000;
    const { connection: c, lost, lostAt } = await open({ heartbeatMs });
    try {
      await sleep(3 * 1.5 * heartbeatMs);
      expect(lost).toEqual([]);
      await target.broker().pause();
      const pausedAt = performance.now();
      const inFlight = c.publish(message(randomName('hang'), 'x'), true).catch((e: unknown) => e);
      await eventually(() => expect(lost).toHaveLength(1), 5 * heartbeatMs);
      const detectionMs = lostAt[0]! - pausedAt;
      console.log(`[mqtt ${target.name}] heartbeatMs ${heartbeatMs}: frozen broker detected after ${Math.round(detectionMs)} ms`);
      expect(detectionMs).toBeLessThanOrEqual(1.5 * heartbeatMs);
      // Not early: the watchdog keeps the broker talking every heartbeatMs/4 to 3/8 and declares it dead
      // only after heartbeatMs of silence, which it measured itself (below). pausedAt cannot tell: it is
      // taken when `docker pause` returns, which on a loaded machine is long after the broker froze.
      expect(lost[0]).toBeInstanceOf(ConnectionError);
      const silentMs = Number(/sent nothing for (\d+) ms, not even a PINGRESP \(heartbeatMs is 1000\)/.exec(lost[0]!.message)?.[1]);
      expect(silentMs).toBeGreaterThanOrEqual(heartbeatMs);
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

  it('close() returns promptly on a frozen broker, with a subscription to end, and reports no loss', async () => {
    const { connection: c, lost } = await open({ heartbeatMs: 10_000 });
    await c.subscribe(request(randomName('frozen')), () => undefined);
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

  it(target.version === 5
    ? 'announces maxFrameBytes as its maximum packet size, so the broker keeps larger messages away, and refuses to send one'
    : 'closes the connection with PayloadTooLargeError when a packet passes maxFrameBytes, and refuses to send one', async () => {
    const maxFrameBytes = 64 * 1024;
    const topic = randomName('big');
    const { connection: c, lost } = await open({ transport: { maxFrameBytes } });
    expect(c.capabilities.maxMessageBytes).toBe(maxFrameBytes - 16 * 1024);
    await expect(c.publish(message(topic, new Uint8Array(maxFrameBytes)), true)).rejects.toBeInstanceOf(PayloadTooLargeError);
    const got: number[] = [];
    await c.subscribe(request(topic), (d: Delivery) => {
      got.push(d.bytes.length);
      void c.ack(d);
    });
    const broker = target.broker();
    const raw = await rawMqtt(url(), { username: broker.username, password: broker.password });
    try {
      await raw.publishAsync(topic.replaceAll('.', '/'), Buffer.alloc(1024), { qos: 1 });
      await raw.publishAsync(topic.replaceAll('.', '/'), Buffer.alloc(100 * 1024), { qos: 1 });
      if (target.version === 5) {
        // MQTT 5 §3.1.2.11.4: the broker must not send a packet over the client's Maximum Packet Size; Mosquitto drops it for this client.
        await raw.publishAsync(topic.replaceAll('.', '/'), Buffer.alloc(2048), { qos: 1 });
        await eventually(() => expect(got).toEqual([1024, 2048]));
        await sleep(300);
        expect(lost).toEqual([]);
        return;
      }
      await eventually(() => expect(lost).toHaveLength(1));
      expect(got).toEqual([1024]);
      expect(lost[0]).toBeInstanceOf(PayloadTooLargeError);
      expect(lost[0]!.message).toMatch(/^An MQTT packet from mqtt:\/\/127\.0\.0\.1:\d+ \(limit: mqtt\(\{ maxFrameBytes \}\)\) is \d+ bytes, over the limit of 65536 bytes$/);
    } finally {
      await raw.endAsync(true);
      await c.close();
    }
  });

  it('reports a killed broker once, as a retryable ConnectionError, and fails publishes in flight retryably', async () => {
    const { connection: c, lost } = await open({ heartbeatMs: 10_000 });
    const topic = randomName('kill');
    const inFlight = Array.from({ length: 200 }, (_, i) => c.publish(message(topic, String(i)), true).then(
      () => 'confirmed',
      (e: unknown) => e,
    ));
    await target.broker().kill();
    try {
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
    } finally {
      await target.broker().start();
    }
  });
});

describe('MQTT against a fake broker that declares a 256 MiB PUBLISH', () => {
  it('fails with PayloadTooLargeError on the fixed header, before buffering the body', async () => {
    let bytesSent = 0;
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.once('data', () => {
        socket.write(Buffer.from([0x20, 0x02, 0x00, 0x00])); // CONNACK, accepted
        setTimeout(() => {
          // PUBLISH QoS 0, remaining length 268 435 455 (0xFF 0xFF 0xFF 0x7F), then body bytes in 64 KiB chunks.
          socket.write(Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f, 0x00, 0x01, 0x74]));
          const chunk = Buffer.alloc(64 * 1024, 0x61);
          const pump = () => {
            while (!socket.destroyed && bytesSent < 256 * 1024 * 1024) {
              bytesSent += chunk.length;
              if (!socket.write(chunk)) return void socket.once('drain', pump);
            }
          };
          pump();
        }, 50);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { lost } = await openMqtt(`mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`, undefined, { transport: { maxFrameBytes: 1024 * 1024 } });
      await eventually(() => expect(lost).toHaveLength(1));
      expect(lost[0]).toBeInstanceOf(PayloadTooLargeError);
      expect(lost[0]!.message).toMatch(/is 268435460 bytes, over the limit of 1048576 bytes$/);
      await eventually(() => expect([...sockets].every((s) => s.destroyed)).toBe(true));
      // What the kernel's socket buffers held when the client hung up, not 256 MiB.
      expect(bytesSent).toBeLessThan(16 * 1024 * 1024);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
