/**
 * TLS on every transport, through the public client: verification is on by default, `tls.ca` and
 * `tls.servername` decide what is trusted, a client certificate (`tls.cert`/`tls.key`) reaches the socket,
 * and `rejectUnauthorized: false` is the only way to skip verification. The brokers listen in plain text
 * here, so a TLS terminator (../support/tls-terminator.ts) fronts the real broker port.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connect, ConnectionError, type Client, type ConnectOptions, type TlsOptions, type Transport } from '../../src/index.js';
import { amqp } from '../../src/transports/amqp/index.js';
import { mqtt } from '../../src/transports/mqtt/index.js';
import { stomp } from '../../src/transports/stomp/index.js';
import type { BrokerKind, Protocol } from '../support/brokers.js';
import { sharedBroker } from '../support/shared-brokers.js';
import { startTlsTerminator, type TlsTerminator } from '../support/tls-terminator.js';
import { eventually, randomName } from '../support/wait.js';

interface Target {
  name: string;
  transport: () => Transport;
  broker: BrokerKind;
  /** The broker's plain port the terminator forwards to. */
  port: Protocol;
  /** The TLS schemes the transport offers for it, with the path (WebSocket). */
  urls: (port: number, host?: string) => string[];
}

const targets: Target[] = [
  { name: 'MQTT on Mosquitto', transport: () => mqtt(), broker: 'mosquitto', port: 'mqtt', urls: (p, h = '127.0.0.1') => [`mqtts://${h}:${p}`, `mqtt+ssl://${h}:${p}`] },
  { name: 'MQTT over WebSocket on RabbitMQ', transport: () => mqtt(), broker: 'rabbitmq', port: 'mqtt-ws', urls: (p, h = '127.0.0.1') => [`wss://${h}:${p}/ws`] },
  { name: 'STOMP on RabbitMQ', transport: () => stomp(), broker: 'rabbitmq', port: 'stomp', urls: (p, h = '127.0.0.1') => [`stomp+ssl://${h}:${p}`] },
  { name: 'STOMP over WebSocket on RabbitMQ', transport: () => stomp(), broker: 'rabbitmq', port: 'stomp-ws', urls: (p, h = '127.0.0.1') => [`wss://${h}:${p}/ws`] },
  { name: 'AMQP 1.0 on RabbitMQ', transport: () => amqp(), broker: 'rabbitmq', port: 'amqp', urls: (p, h = '127.0.0.1') => [`amqps://${h}:${p}`, `amqp+ssl://${h}:${p}`] },
];

const clients: Client[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close({ drain: false }).catch(() => undefined)));
});

describe.each(targets)('TLS: $name', (target) => {
  let server: TlsTerminator;
  let mutual: TlsTerminator;
  beforeAll(async () => {
    const port = sharedBroker(target.broker).ports[target.port]!;
    [server, mutual] = await Promise.all([startTlsTerminator(port), startTlsTerminator(port, { requireClientCertificate: true })]);
  });
  afterAll(async () => {
    await Promise.all([server?.close(), mutual?.close()]);
  });

  function open(url: string, tls: TlsOptions | undefined): Promise<Client> {
    const broker = sharedBroker(target.broker);
    const options: ConnectOptions = {
      transport: target.transport(),
      endpoints: [url],
      username: broker.username,
      password: broker.password,
      failover: { startupMaxAttempts: 1 },
      connectTimeoutMs: 5000,
      ...(tls && { tls }),
    };
    return connect(options).then((client) => {
      clients.push(client);
      return client;
    });
  }

  async function roundTrip(url: string, tls: TlsOptions | undefined): Promise<string[]> {
    const client = await open(url, tls);
    const topic = randomName('tls');
    const got: string[] = [];
    await client.subscribe(topic, (m) => void got.push(new TextDecoder().decode(m.bytes)));
    await client.publish(topic, 'over tls');
    await eventually(() => expect(got).toEqual(['over tls']));
    return got;
  }

  it('trusts the broker through tls.ca, on every TLS scheme', async () => {
    for (const url of target.urls(server.port)) expect(await roundTrip(url, { ca: server.ca })).toEqual(['over tls']);
  });

  it('verifies by default: an unknown CA and another host name are ConnectionErrors without the password', async () => {
    const [url] = target.urls(server.port);
    const password = sharedBroker(target.broker).password;
    for (const tls of [undefined, { ca: server.ca, servername: 'broker.example' }]) {
      const error = await open(url!, tls).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectionError);
      expect((error as Error).message).toMatch(/TLS|certificate|CERT/i);
      if (password) expect((error as Error).message).not.toContain(password);
    }
  });

  it('takes the host name from the endpoint for verification', async () => {
    const [url] = target.urls(server.port, 'localhost');
    expect(await roundTrip(url!, { ca: server.ca })).toEqual(['over tls']);
  });

  it('presents the client certificate from tls.cert and tls.key, and fails without it', async () => {
    const [url] = target.urls(mutual.port);
    expect(await roundTrip(url!, { ca: mutual.ca, cert: mutual.clientCert, key: mutual.clientKey })).toEqual(['over tls']);
    const error = await open(url!, { ca: mutual.ca }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
  });

  it('skips verification only when rejectUnauthorized is false', async () => {
    const [url] = target.urls(server.port);
    expect(await roundTrip(url!, { rejectUnauthorized: false })).toEqual(['over tls']);
  });
});
