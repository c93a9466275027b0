/**
 * The two sides of every throughput cell: the raw library used directly, the way its own documentation
 * shows, and this SDK over the same library. Both get the same job: publish to a topic, confirmed or not,
 * while a second connection on the same broker subscribes to it and settles what it receives.
 *
 * - MQTT: mqtt.js, QoS 1 (PUBACK) when confirmed, QoS 0 when not; the subscriber subscribes at QoS 1.
 * - STOMP: stompjs, a `receipt` header per SEND (watchForReceipt) when confirmed; the subscriber uses
 *   `ack: client-individual` and ACKs every MESSAGE, as the SDK's subscriber does.
 * - AMQP 1.0: rhea-promise's AwaitableSender when confirmed, a plain pre-settled sender when not; the
 *   receiver accepts every message (rhea's autoaccept).
 *
 * RAW_LIKE_SDK=true: the raw publishers also put on the wire what the SDK adds to every message, a
 * message id (STOMP: the `umq-message-id` header; AMQP: `message-id` and `to`, and a header section with
 * `durable` false, which RabbitMQ 4 would otherwise take for true), so that a gap left over is the SDK's
 * own cost and not the broker's work on those fields. MQTT 3.1.1 without the envelope adds none.
 */
import { Client as StompClient, type IMessage } from '@stomp/stompjs';
import { TCPWrapper } from '@stomp/tcp-wrapper';
import mqttjs from 'mqtt';
import { Connection, message as rheaMessage, ReceiverEvents, SenderEvents, type EventContext } from 'rhea-promise';
import { connect, type Client, type Transport } from 'unified-mq';
import { amqp } from 'unified-mq/amqp';
import { mqtt } from 'unified-mq/mqtt';
import { stomp } from 'unified-mq/stomp';
import type { BrokerInfo } from '../test/support/brokers.js';

export type TransportName = 'mqtt' | 'stomp' | 'amqp';

const RAW_LIKE_SDK = process.env.RAW_LIKE_SDK === 'true';
let rawIds = 0;
/** A message id shaped like the SDK's: a per-client prefix and a base-36 counter. */
const rawMessageId = () => `rawbench-${(rawIds++).toString(36)}`;
export type Implementation = 'raw' | 'sdk';

/** One publisher and one subscriber, connected and subscribed. */
export interface Pair {
  /** Resolves when the message is confirmed (or written, without confirmation). */
  publish(payload: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

export interface PairOptions {
  transport: TransportName;
  broker: BrokerInfo;
  confirm: boolean;
  /** A topic name unique to the round, `.`-separated. */
  topic: string;
  /** Called with each received body. */
  onMessage: (bytes: Uint8Array) => void;
  /** The subscriber's prefetch (broker-side credit). */
  prefetch: number;
}

export function openPair(implementation: Implementation, options: PairOptions): Promise<Pair> {
  if (implementation === 'sdk') return sdkPair(options);
  switch (options.transport) {
    case 'mqtt':
      return rawMqttPair(options);
    case 'stomp':
      return rawStompPair(options);
    case 'amqp':
      return rawAmqpPair(options);
  }
}

// ----- this SDK ----------------------------------------------------------------------------------

const FACTORIES: Record<TransportName, () => Transport> = {
  // Large bodies need a frame cap above the 1 MiB cell on every transport.
  mqtt: () => mqtt({ maxFrameBytes: 32 * 1024 * 1024 }),
  stomp: () => stomp({ maxFrameBytes: 32 * 1024 * 1024 }),
  amqp: () => amqp({ maxFrameBytes: 32 * 1024 * 1024 }),
};

async function sdkPair(options: PairOptions): Promise<Pair> {
  const { broker, transport, confirm, topic } = options;
  const endpoint = broker.endpoints[transport]!;
  const credentials = { username: broker.username, password: broker.password };
  const open = (): Promise<Client> => connect({ transport: FACTORIES[transport](), endpoints: [endpoint], ...credentials });
  const subscriber = await open();
  const publisher = await open();
  await subscriber.subscribe(topic, (message) => options.onMessage(message.bytes), { prefetch: options.prefetch });
  const publishOptions = { confirm };
  return {
    publish: (payload) => publisher.publish(topic, payload, publishOptions),
    async close() {
      await publisher.close({ drain: false });
      await subscriber.close({ drain: false });
    },
  };
}

// ----- raw mqtt.js -------------------------------------------------------------------------------

async function rawMqttPair(options: PairOptions): Promise<Pair> {
  const { broker, confirm } = options;
  const url = broker.endpoints.mqtt!;
  const topic = options.topic.replaceAll('.', '/');
  // The SDK keeps its MQTT session (clean session off), so that QoS 1 messages survive a failover; the
  // raw clients do the same here, so both sides carry the same broker work (ActiveMQ, for one, stores
  // every message for a kept session's subscription). RAW_MQTT_CLEAN=true measures mqtt.js's default.
  const clean = process.env.RAW_MQTT_CLEAN === 'true';
  const connectOptions = { protocolVersion: 4 as const, reconnectPeriod: 0, username: broker.username, password: broker.password, clean };
  const id = `raw-${process.pid}-${Date.now().toString(36)}`;
  const subscriber = await mqttjs.connectAsync(url, { ...connectOptions, clientId: `${id}-sub` });
  const publisher = await mqttjs.connectAsync(url, { ...connectOptions, clientId: `${id}-pub` });
  subscriber.on('message', (_topic, payload) => options.onMessage(payload));
  await subscriber.subscribeAsync(topic, { qos: 1 });
  const publishOptions = { qos: confirm ? (1 as const) : (0 as const) };
  return {
    publish: (payload) =>
      new Promise<void>((resolve, reject) => {
        publisher.publish(topic, payload as Buffer, publishOptions, (error) => (error ? reject(error) : resolve()));
      }),
    async close() {
      await publisher.endAsync(true);
      // A kept session would outlive the round and keep collecting messages: end it, as the SDK does.
      if (!clean) await subscriber.unsubscribeAsync(topic).catch(() => undefined);
      await subscriber.endAsync(true);
    },
  };
}

// ----- raw stompjs -------------------------------------------------------------------------------

async function rawStomp(broker: BrokerInfo): Promise<StompClient> {
  const url = new URL(broker.endpoints.stomp!);
  const client = new StompClient({
    reconnectDelay: 0,
    connectHeaders: { host: '/', ...(broker.username !== undefined && { login: broker.username, passcode: broker.password ?? '' }) },
    webSocketFactory: () => new TCPWrapper(url.hostname, Number(url.port)),
    debug: () => undefined,
  });
  await new Promise<void>((resolve, reject) => {
    client.onConnect = () => resolve();
    client.onStompError = (frame) => reject(new Error(frame.headers.message));
    client.onWebSocketError = () => reject(new Error(`STOMP socket error on ${url.href}`));
    client.activate();
  });
  return client;
}

async function rawStompPair(options: PairOptions): Promise<Pair> {
  const { broker, confirm } = options;
  const destination = `/topic/${options.topic}`;
  const subscriber = await rawStomp(broker);
  const publisher = await rawStomp(broker);
  await new Promise<void>((resolve) => {
    const receipt = 'subscribed';
    subscriber.watchForReceipt(receipt, () => resolve());
    subscriber.subscribe(
      destination,
      (message: IMessage) => {
        options.onMessage(message.binaryBody);
        message.ack();
      },
      { ack: 'client-individual', 'prefetch-count': String(options.prefetch), 'activemq.prefetchSize': String(options.prefetch), receipt },
    );
  });
  let next = 0;
  return {
    publish(payload) {
      const headers: Record<string, string> = RAW_LIKE_SDK ? { 'umq-message-id': rawMessageId() } : {};
      if (!confirm) {
        publisher.publish({ destination, binaryBody: payload, headers });
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => {
        const receipt = String(next++);
        publisher.watchForReceipt(receipt, () => resolve());
        publisher.publish({ destination, binaryBody: payload, headers: { ...headers, receipt } });
      });
    },
    async close() {
      await publisher.deactivate();
      await subscriber.deactivate();
    },
  };
}

// ----- raw rhea-promise --------------------------------------------------------------------------

async function rawAmqpPair(options: PairOptions): Promise<Pair> {
  const { broker, confirm } = options;
  const url = new URL(broker.endpoints.amqp!);
  const address = `/topic/${options.topic}`;
  const open = async () => {
    const connection = new Connection({
      host: url.hostname,
      port: Number(url.port),
      hostname: 'localhost',
      username: broker.username,
      password: broker.password,
      transport: 'tcp',
      reconnect: false,
    });
    await connection.open();
    return connection;
  };
  const subscriber = await open();
  const publisher = await open();
  const receiver = await subscriber.createReceiver({ source: { address }, credit_window: options.prefetch });
  receiver.on(ReceiverEvents.message, (context: EventContext) => {
    const body = context.message?.body as { content?: Uint8Array } | Uint8Array;
    options.onMessage(body instanceof Uint8Array ? body : body.content!);
  });
  const data = (payload: Uint8Array) =>
    RAW_LIKE_SDK
      ? { body: rheaMessage.data_section(payload as Buffer), to: address, message_id: rawMessageId(), durable: false }
      : { body: rheaMessage.data_section(payload as Buffer) };
  if (confirm) {
    const sender = await publisher.createAwaitableSender({ target: { address } });
    return {
      publish: (payload) => sender.send(data(payload), { timeoutInSeconds: 60 }).then(() => undefined),
      async close() {
        await publisher.close();
        await subscriber.close();
      },
    };
  }
  // Fire and forget: a pre-settled sender (snd_settle_mode 1); messages wait here for link credit.
  const sender = await publisher.createSender({ target: { address }, snd_settle_mode: 1 });
  const waiting: Array<{ payload: Uint8Array; resolve: () => void }> = [];
  sender.on(SenderEvents.sendable, () => {
    while (waiting.length > 0 && sender.sendable()) {
      const next = waiting.shift()!;
      sender.send(data(next.payload));
      next.resolve();
    }
  });
  return {
    publish(payload) {
      if (waiting.length === 0 && sender.sendable()) {
        sender.send(data(payload));
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => waiting.push({ payload, resolve }));
    },
    async close() {
      await publisher.close();
      await subscriber.close();
    },
  };
}
