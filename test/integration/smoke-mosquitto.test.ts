/** Smoke: the shared Mosquitto serves MQTT 5, including shared subscriptions, with mqtt.js. */
import { afterAll, describe, expect, it } from 'vitest';
import { rawMqtt } from '../support/raw-clients.js';
import { sharedBroker } from '../support/shared-brokers.js';
import { eventually, randomName, sleep } from '../support/wait.js';
import { Closers, mqttRoundTrip, SETTLE_MS } from './smoke-helpers.js';

const closers = new Closers();
afterAll(() => closers.closeAll());

describe('smoke: Mosquitto 2.0', () => {
  const url = () => sharedBroker('mosquitto').endpoints.mqtt!;

  it('serves MQTT only (Debian builds it without WebSockets)', () => {
    expect(sharedBroker('mosquitto').protocols).toEqual(['mqtt']);
  });

  it('MQTT 3.1.1 (mqtt.js): publish and receive one message', () => mqttRoundTrip(closers, url(), {}));

  it('MQTT 5: a shared subscription ($share/GROUP/TOPIC) splits the messages between two consumers, each once', async () => {
    const topic = randomName('shared').replace('.', '/');
    const [a, b, producer] = await Promise.all([0, 1, 2].map(() => rawMqtt(url(), { protocolVersion: 5 })));
    closers.add(() => a!.endAsync(true), () => b!.endAsync(true), () => producer!.endAsync(true));
    expect(a!.options.protocolVersion).toBe(5);
    const gotA: string[] = [];
    const gotB: string[] = [];
    a!.on('message', (_t, p) => void gotA.push(p.toString()));
    b!.on('message', (_t, p) => void gotB.push(p.toString()));
    await a!.subscribeAsync(`$share/workers/${topic}`, { qos: 1 });
    await b!.subscribeAsync(`$share/workers/${topic}`, { qos: 1 });
    const n = 100;
    const sent = Array.from({ length: n }, (_, i) => `m${i}`);
    for (const body of sent) await producer!.publishAsync(topic, body, { qos: 1 });
    await eventually(() => expect(gotA.length + gotB.length).toBe(n));
    await sleep(SETTLE_MS);
    // Every message exactly once, over both consumers together…
    expect([...gotA, ...gotB].sort()).toEqual([...sent].sort());
    // …and Mosquitto deals them round-robin, so each consumer gets exactly half.
    expect(gotA.length).toBe(n / 2);
    expect(gotB.length).toBe(n / 2);
  });
});
