/**
 * amazonMqEndpoints() aimed at the containers: the real Amazon MQ host names and ports, dialled through
 * `connect({ resolve })` to TLS terminators (../support/tls-terminator.ts) in front of the brokers, whose
 * certificates carry the Amazon MQ names, so TLS verification checks the names the helper built.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { amazonMqEndpoints, connect, type Client, type EndpointResolver } from '../../src/index.js';
import { amqp } from '../../src/transports/amqp/index.js';
import { mqtt } from '../../src/transports/mqtt/index.js';
import { stomp } from '../../src/transports/stomp/index.js';
import type { Protocol } from '../support/brokers.js';
import { sharedBroker } from '../support/shared-brokers.js';
import { startTlsTerminator, type TlsTerminator } from '../support/tls-terminator.js';
import { eventually, randomName } from '../support/wait.js';

const brokerId = 'b-1234a5b6-78cd-901e-2fgh-3i45j6k178l9';
const region = 'eu-west-1';
const names = [`*.mq.${region}.amazonaws.com`];
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

const terminators: TlsTerminator[] = [];
const clients: Client[] = [];

/** A TLS terminator per Amazon MQ host (-1, -2) in front of `protocol` on a shared broker, and a resolver to them. */
async function aim(endpoints: string[], kind: 'activemq' | 'rabbitmq', protocol: Protocol): Promise<{ resolve: EndpointResolver; ca: string; fronts: TlsTerminator[] }> {
  const port = sharedBroker(kind).ports[protocol]!;
  const fronts = await Promise.all(endpoints.map(() => startTlsTerminator(port, { names })));
  terminators.push(...fronts);
  const byHost = new Map(endpoints.map((url, i) => [new URL(url).hostname, fronts[i]!.port]));
  return {
    resolve: ({ host }) => (byHost.has(host) ? { host: '127.0.0.1', port: byHost.get(host)! } : undefined),
    ca: fronts[0]!.ca,
    fronts,
  };
}

describe('amazonMqEndpoints() against the containers, through connect({ resolve })', () => {
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close({ drain: false }).catch(() => undefined)));
    await Promise.all(terminators.map((t) => t.close()));
  });

  it('STOMP: connects to -1 with TLS verified against the Amazon MQ name, and fails over to -2 when -1 closes', async () => {
    const endpoints = amazonMqEndpoints({ brokerId, region, protocol: 'stomp' });
    const { resolve, fronts } = await aim(endpoints, 'activemq', 'stomp');
    // Each terminator has its own CA: trust both.
    const client = await connect({ transport: stomp(), endpoints, resolve, tls: { ca: fronts.map((f) => f.ca) }, heartbeatMs: 2000 });
    clients.push(client);
    expect(client.endpoint).toBe(endpoints[0]);
    const queue = randomName('amq');
    const got: string[] = [];
    let unflagged = 0;
    await client.consume(queue, (m) => {
      if (got.includes(text(m.bytes)) && !m.possibleDuplicate) unflagged++;
      got.push(text(m.bytes));
    });
    await client.send(queue, 'via -1');
    await eventually(() => expect(got).toEqual(['via -1']));
    // The active broker's port closes, as the standby's are until it takes over.
    await fronts[0]!.close();
    await eventually(() => expect(client.endpoint).toBe(endpoints[1]), 20_000);
    await client.send(queue, 'via -2');
    // At-least-once: an ack still on its way when -1 closed lets the broker deliver 'via -1' again, flagged.
    await eventually(() => expect(new Set(got)).toEqual(new Set(['via -1', 'via -2'])));
    expect(unflagged).toBe(0);
  });

  it('STOMP: refuses a certificate that does not carry the Amazon MQ name', async () => {
    const endpoints = amazonMqEndpoints({ brokerId, region, protocol: 'stomp', deployment: 'single-instance' });
    const port = sharedBroker('activemq').ports.stomp!;
    const plain = await startTlsTerminator(port); // 127.0.0.1 and localhost only
    terminators.push(plain);
    await expect(
      connect({
        transport: stomp(),
        endpoints,
        resolve: () => ({ host: '127.0.0.1', port: plain.port }),
        tls: { ca: plain.ca },
        failover: { startupMaxAttempts: 1 },
      }),
    ).rejects.toThrow(/certificate|altname|Hostname/i);
  });

  it('MQTT: a message round trip on mqtt+ssl:8883 names', async () => {
    const endpoints = amazonMqEndpoints({ brokerId, region, protocol: 'mqtt' });
    const { resolve, fronts } = await aim(endpoints, 'activemq', 'mqtt');
    const client = await connect({ transport: mqtt(), endpoints, resolve, tls: { ca: fronts.map((f) => f.ca) } });
    clients.push(client);
    const topic = randomName('amq');
    const got: string[] = [];
    await client.subscribe(topic, (m) => void got.push(text(m.bytes)));
    await client.publish(topic, 'over mqtt+ssl');
    await eventually(() => expect(got).toEqual(['over mqtt+ssl']));
    expect(client.endpoint).toBe(endpoints[0]);
  });

  it('AMQP: a message round trip on amqp+ssl:5671 names (RabbitMQ here: the ActiveMQ image has no AMQP)', async () => {
    const endpoints = amazonMqEndpoints({ brokerId, region, protocol: 'amqp' });
    const { resolve, fronts } = await aim(endpoints, 'rabbitmq', 'amqp');
    const broker = sharedBroker('rabbitmq');
    const client = await connect({
      transport: amqp(),
      endpoints,
      resolve,
      tls: { ca: fronts.map((f) => f.ca) },
      username: broker.username,
      password: broker.password,
    });
    clients.push(client);
    const queue = randomName('amq');
    const got: string[] = [];
    await client.consume(queue, (m) => void got.push(text(m.bytes)));
    await client.send(queue, 'over amqp+ssl');
    await eventually(() => expect(got).toEqual(['over amqp+ssl']));
  });
});
