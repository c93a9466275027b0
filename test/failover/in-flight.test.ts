/**
 * What the client promises about messages in flight when its connection fails over (docs/failover.md,
 * "What is guaranteed, and what proves it"), proven on real brokers for each protocol. The client's two endpoints are two fault
 * proxies in front of the same broker, so each case chooses exactly when the current endpoint dies and
 * when the other one becomes reachable; the messages themselves live in the broker.
 * - Publishes issued while no endpoint answers wait in the buffer and complete after the failover.
 * - Publishes in flight when the connection went silent are re-sent, flagged, with the same messageId.
 * - An ack for a message received on the lost connection is not sent on the new one; the broker
 *   redelivers the message, and the subscription is restored (`resubscribed`).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connect, type Client, type ConnectOptions, type Message, type Transport } from '../../src/index.js';
import { amqp } from '../../src/transports/amqp/index.js';
import { mqtt } from '../../src/transports/mqtt/index.js';
import { stomp } from '../../src/transports/stomp/index.js';
import type { BrokerInfo, BrokerKind, Protocol } from '../support/brokers.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { sharedBroker } from '../support/shared-brokers.js';
import { eventually, randomName, sleep } from '../support/wait.js';

interface Target {
  name: string;
  broker: BrokerKind;
  protocol: Protocol;
  transport: () => Transport;
  /** 'topic': a subscription in a persistent session (MQTT 3.1.1 on ActiveMQ has no queues). */
  kind: 'queue' | 'topic';
}

const targets: Target[] = [
  // The envelope carries messageId and the possible-duplicate flag, which MQTT 3.1.1 has no header for.
  { name: 'MQTT 3.1.1 (envelope) on ActiveMQ', broker: 'activemq', protocol: 'mqtt', transport: () => mqtt({ envelope: true }), kind: 'topic' },
  { name: 'STOMP on ActiveMQ', broker: 'activemq', protocol: 'stomp', transport: () => stomp(), kind: 'queue' },
  { name: 'AMQP 1.0 on RabbitMQ', broker: 'rabbitmq', protocol: 'amqp', transport: () => amqp(), kind: 'queue' },
];

const HEARTBEAT_MS = 1000;
const clients: Client[] = [];
const proxies: FaultProxy[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close({ drain: false }).catch(() => undefined)));
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});

describe.each(targets)('in-flight semantics across a failover: $name', (target) => {
  const broker = (): BrokerInfo => sharedBroker(target.broker);

  async function open(endpoints: string[], options: Partial<ConnectOptions> = {}): Promise<Client> {
    const b = broker();
    const client = await connect({
      transport: target.transport(),
      endpoints,
      username: b.username,
      password: b.password,
      heartbeatMs: HEARTBEAT_MS,
      failover: { initialDelayMs: 25, maxDelayMs: 200 },
      ...options,
    });
    clients.push(client);
    return client;
  }

  /** Two proxies in front of the broker: the client's first and second endpoint. */
  async function twoEndpoints(): Promise<[FaultProxy, FaultProxy]> {
    const port = broker().ports[target.protocol]!;
    const pair = await Promise.all([startFaultProxy('127.0.0.1', port), startFaultProxy('127.0.0.1', port)]);
    proxies.push(...pair);
    return pair;
  }

  const direct = () => [broker().endpoints[target.protocol]!];

  function listen(client: Client, name: string, handler: (m: Message) => void, options: { ack?: 'auto' | 'manual'; prefetch?: number } = {}) {
    return target.kind === 'topic' ? client.subscribe(name, handler, options) : client.consume(name, handler, options);
  }

  function post(client: Client, name: string, body: string, messageId: string) {
    return target.kind === 'topic'
      ? client.publish(name, body, { persistent: true, messageId })
      : client.send(name, body, { persistent: true, messageId });
  }

  it('holds publishes issued while no endpoint answers, and completes each once after the failover', async () => {
    const [first, second] = await twoEndpoints();
    await second.refuse();
    const name = randomName('buffered');
    const consumer = await open(direct());
    const got: Message[] = [];
    await listen(consumer, name, (m) => void got.push(m));
    const producer = await open([first.url(target.protocol), second.url(target.protocol)]);
    const failedOver = new Promise((resolve) => producer.once('failover', resolve));

    await first.refuse(); // the current endpoint dies; the other one does not answer yet
    await eventually(() => expect(producer.state).toBe('reconnecting'), 5000);
    const settled: boolean[] = [];
    const publishes = Array.from({ length: 50 }, (_, i) =>
      post(producer, name, String(i), `b-${i}`).then(() => void (settled[i] = true)),
    );
    await sleep(500);
    expect(producer.state).toBe('reconnecting');
    expect(settled.filter(Boolean)).toHaveLength(0);

    await second.pass();
    await failedOver;
    await Promise.all(publishes);
    await eventually(() => expect(got).toHaveLength(50), 15_000);
    await sleep(300);
    expect(got.map((m) => new TextDecoder().decode(m.bytes))).toEqual(Array.from({ length: 50 }, (_, i) => String(i)));
    expect(got.map((m) => m.messageId)).toEqual(Array.from({ length: 50 }, (_, i) => `b-${i}`));
  });

  it('re-sends the publishes in flight when the connection went silent, flagged, with the same messageId', async () => {
    const [first, second] = await twoEndpoints();
    const name = randomName('resent');
    const consumer = await open(direct());
    const copies = new Map<string, Message[]>();
    await listen(consumer, name, (m) => {
      const body = new TextDecoder().decode(m.bytes);
      copies.set(body, [...(copies.get(body) ?? []), m]);
    });
    const producer = await open([first.url(target.protocol), second.url(target.protocol)], { buffer: { maxMessages: 5000 } });
    const failedOver = new Promise((resolve) => producer.once('failover', resolve));

    const total = 2000;
    const confirmations: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      confirmations.push(post(producer, name, String(i), `m-${i}`));
      if (i === total / 2) void first.blackhole(); // silent: only the heartbeat can tell
      if (i % 50 === 49) await sleep(2);
    }
    await failedOver;
    // Drop what the partition held back, as a dead host would: the old connection's bytes never arrive.
    await first.refuse();
    await Promise.all(confirmations);
    await eventually(() => expect(copies.size).toBe(total), 30_000);
    await sleep(300);

    const deliveries = [...copies.values()].flat();
    const wrongIds = deliveries.filter((m) => m.messageId !== `m-${new TextDecoder().decode(m.bytes)}`);
    const unflaggedDuplicates = [...copies.values()].reduce((n, list) => n + list.slice(1).filter((m) => !m.possibleDuplicate).length, 0);
    const resent = deliveries.filter((m) => m.possibleDuplicate).length;
    console.log(`[${target.name}] ${total} confirmed, ${deliveries.length} delivered, ${resent} flagged as re-sent, ${unflaggedDuplicates} unflagged duplicates`);
    expect(wrongIds).toEqual([]);
    expect(unflaggedDuplicates).toBe(0);
    expect(resent).toBeGreaterThan(0); // the publishes caught in the partition came back as flagged re-sends
  });

  it('does not send an ack for a message received on the lost connection; the broker redelivers it to the restored subscription', async () => {
    const [first, second] = await twoEndpoints();
    const name = randomName('stale-ack');
    const consumer = await open([first.url(target.protocol), second.url(target.protocol)]);
    const got: Message[] = [];
    let resubscribed = 0;
    consumer.on('resubscribed', ({ count }) => void (resubscribed += count));
    await listen(consumer, name, (m) => void got.push(m), { ack: 'manual', prefetch: 1 });
    const producer = await open(direct());
    await post(producer, name, 'job', 'job-1');
    await eventually(() => expect(got).toHaveLength(1), 10_000);
    expect(got[0]!.redelivered).toBe(false);

    const failedOver = new Promise((resolve) => consumer.once('failover', resolve));
    await first.refuse(); // the connection that delivered the message is gone
    await failedOver;
    await got[0]!.ack(); // belongs to the lost connection: dropped, never sent on the new one
    await eventually(() => expect(got).toHaveLength(2), 15_000);
    expect(resubscribed).toBe(1);
    expect(got[1]!.messageId).toBe('job-1');
    expect(got[1]!.redelivered || got[1]!.possibleDuplicate).toBe(true);
    await got[1]!.ack();
    await sleep(500);
    expect(got).toHaveLength(2);
  });
});
