/**
 * The raw client libraries, used directly (not through unified-mq) by the smoke tests and by
 * cross-protocol checks: they prove the brokers work before our transports are blamed.
 */
import { Client as StompClient, type IMessage } from '@stomp/stompjs';
import { TCPWrapper } from '@stomp/tcp-wrapper';
import mqtt from 'mqtt';
import { Connection, ReceiverEvents, type EventContext } from 'rhea-promise';
import WebSocket from 'ws';

export async function rawMqtt(url: string, options: mqtt.IClientOptions = {}): Promise<mqtt.MqttClient> {
  return mqtt.connectAsync(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 10_000, ...options });
}

export interface RawStomp {
  client: StompClient;
  /**
   * Subscribes and collects message bodies as text. `ready` resolves when the broker answers the
   * SUBSCRIBE's receipt: from then on the subscription exists (no sleeping and hoping).
   */
  collect(destination: string, headers?: Record<string, string>): { bodies: string[]; frames: IMessage[]; ready: Promise<void> };
  close(): Promise<void>;
}

let subscriptions = 0;

export async function rawStomp(url: string, credentials?: { login: string; passcode: string }): Promise<RawStomp> {
  const parsed = new URL(url);
  const client = new StompClient({
    reconnectDelay: 0,
    // RabbitMQ reads the STOMP host header as the virtual host.
    connectHeaders: { host: '/', ...credentials },
    ...(parsed.protocol === 'ws:'
      ? { webSocketFactory: () => new WebSocket(url, ['v12.stomp', 'v11.stomp']) }
      : { webSocketFactory: () => new TCPWrapper(parsed.hostname, Number(parsed.port)) }),
  });
  await new Promise<void>((resolve, reject) => {
    client.onConnect = () => resolve();
    client.onStompError = (frame) => reject(new Error(frame.headers.message));
    client.onWebSocketError = () => reject(new Error(`STOMP socket error on ${url}`));
    client.activate();
  });
  return {
    client,
    collect(destination, headers) {
      const bodies: string[] = [];
      const frames: IMessage[] = [];
      const receipt = `sub-${++subscriptions}`;
      const ready = new Promise<void>((resolve) => client.watchForReceipt(receipt, () => resolve()));
      client.subscribe(destination, (frame) => {
        frames.push(frame);
        bodies.push(frame.body);
      }, { ...headers, receipt });
      return { bodies, frames, ready };
    },
    close: () => client.deactivate(),
  };
}

export interface RawAmqp {
  connection: Connection;
  send(address: string, body: string): Promise<void>;
  collect(address: string): Promise<string[]>;
  close(): Promise<void>;
}

export async function rawAmqp(url: string, username = 'guest', password = 'guest'): Promise<RawAmqp> {
  const parsed = new URL(url);
  const connection = new Connection({
    host: parsed.hostname,
    port: Number(parsed.port),
    hostname: 'localhost',
    username,
    password,
    transport: 'tcp',
    reconnect: false,
  });
  await connection.open();
  return {
    connection,
    async send(address, body) {
      const sender = await connection.createAwaitableSender({ target: { address } });
      await sender.send({ body, content_type: 'text/plain' });
      await sender.close();
    },
    async collect(address) {
      const bodies: string[] = [];
      const receiver = await connection.createReceiver({ source: { address } });
      receiver.on(ReceiverEvents.message, (context: EventContext) => {
        const body = context.message?.body as unknown;
        const bytes = body && typeof body === 'object' && 'content' in (body as object) ? (body as { content: Uint8Array }).content : body;
        bodies.push(typeof bytes === 'string' ? bytes : Buffer.from(bytes as Uint8Array).toString('utf8'));
      });
      return bodies;
    },
    close: () => connection.close(),
  };
}
