/**
 * The fault controls of the broker fixtures (test/support/brokers.ts) on a broker of this file's own
 * (Mosquitto: it starts in about a second): every fault, and that the endpoints are the same afterwards.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mqttAnswers, startMosquitto, type Broker } from '../support/brokers.js';
import { rawMqtt } from '../support/raw-clients.js';
import { eventually } from '../support/wait.js';

const exec = promisify(execFile);
let broker: Broker;

beforeAll(async () => {
  broker = await startMosquitto();
});
afterAll(async () => {
  await broker?.dispose();
});

const answers = () => mqttAnswers(broker.endpoints.mqtt!, 1000);

describe('broker fault controls', () => {
  it('serves on 127.0.0.1 with the mapped port', async () => {
    expect(broker.endpoints.mqtt).toBe(`mqtt://127.0.0.1:${broker.ports.mqtt}`);
    expect(await answers()).toBe(true);
  });

  it('pause() freezes it (sockets open, silent); unpause() resumes the same connection', async () => {
    const client = await rawMqtt(broker.endpoints.mqtt!, { keepalive: 0 });
    try {
      await broker.pause();
      expect(await answers()).toBe(false); // TCP is accepted, but no CONNACK comes
      expect(client.connected).toBe(true);
      await broker.unpause();
      await client.publishAsync('faults/pause', 'after', { qos: 1 }); // the same session works again
      expect(await answers()).toBe(true);
    } finally {
      await broker.unpause().catch(() => undefined);
      await client.endAsync(true);
    }
  });

  it('disconnectNetwork() closes connections through the mapping and refuses new ones; reconnectNetwork() restores the same endpoint', async () => {
    const client = await rawMqtt(broker.endpoints.mqtt!, { keepalive: 0 });
    let closed = false;
    client.on('close', () => (closed = true));
    try {
      await broker.disconnectNetwork();
      await eventually(() => expect(closed).toBe(true), 5000);
      expect(await answers()).toBe(false);
      await broker.reconnectNetwork();
      expect(await answers()).toBe(true);
    } finally {
      await client.endAsync(true);
    }
  });

  it('kill() stops it at once; start() brings it back on the same endpoint', async () => {
    await broker.kill();
    expect(await answers()).toBe(false);
    await broker.start();
    expect(await answers()).toBe(true);
  });

  it('stop() is graceful and quick; restart() serves again on the same endpoint', async () => {
    const t0 = Date.now();
    await broker.stop();
    expect(Date.now() - t0).toBeLessThan(10_000); // SIGTERM reached the broker: no 30 s SIGKILL fallback
    expect(await answers()).toBe(false);
    await broker.restart();
    expect(await answers()).toBe(true);
  });

  it('dispose() removes the container, and may be called again', async () => {
    const extra = await startMosquitto();
    await extra.dispose();
    await extra.dispose();
    await expect(exec('docker', ['inspect', extra.containerId])).rejects.toThrow();
  });
});
