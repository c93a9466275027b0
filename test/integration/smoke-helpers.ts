/**
 * Round trips with the RAW client libraries (mqtt.js, @stomp/stompjs, rhea-promise), not our SDK: the smoke
 * tests use them to prove that a broker and protocol work before any of our transports is blamed.
 * Every client is registered in a Closers list that the test file's afterAll empties, also after a failure.
 */
import { expect } from 'vitest';
import { rawMqtt, rawStomp } from '../support/raw-clients.js';
import { eventually, randomName, sleep } from '../support/wait.js';

export class Closers {
  private readonly list: Array<() => Promise<unknown>> = [];
  add(...closers: Array<() => Promise<unknown>>): void {
    this.list.push(...closers);
  }
  /** Closes everything, newest first, ignoring errors (a client of a killed broker may fail to close). */
  async closeAll(): Promise<void> {
    for (const close of this.list.splice(0).reverse()) await close().catch(() => undefined);
  }
}

/** After the expected messages arrived, wait this long and check that nothing else (a duplicate) follows. */
export const SETTLE_MS = 300;

export async function mqttRoundTrip(closers: Closers, url: string, credentials: { username?: string; password?: string }): Promise<void> {
  const client = await rawMqtt(url, { ...credentials, protocolVersion: 4 });
  closers.add(() => client.endAsync(true));
  const topic = randomName('smoke').replace('.', '/');
  const body = `hello mqtt ${topic}`;
  const got: string[] = [];
  client.on('message', (t, payload) => void (t === topic && got.push(payload.toString())));
  await client.subscribeAsync(topic, { qos: 1 });
  await client.publishAsync(topic, body, { qos: 1 });
  await eventually(() => expect(got).toEqual([body]));
  await sleep(SETTLE_MS);
  expect(got).toEqual([body]);
}

export async function stompRoundTrip(closers: Closers, url: string, credentials?: { login: string; passcode: string }): Promise<void> {
  const stomp = await rawStomp(url, credentials);
  closers.add(() => stomp.close());
  const queue = `/queue/${randomName('smoke')}`;
  const body = `hello stomp ${queue}`;
  const { bodies } = stomp.collect(queue);
  // A receipt proves the broker took the message (and the subscription before it: frames are ordered).
  await new Promise<void>((resolve) => {
    stomp.client.watchForReceipt('smoke-send', () => resolve());
    stomp.client.publish({ destination: queue, body, headers: { receipt: 'smoke-send' } });
  });
  await eventually(() => expect(bodies).toEqual([body]));
  await sleep(SETTLE_MS);
  expect(bodies).toEqual([body]);
}
