/**
 * AMQP bodies between unified-mq and an independent AMQP 1.0 client, Debian's qpid-proton (Python), on
 * RabbitMQ 3.10, both ways. Proton sends strings, maps, lists and numbers as amqp-value, binary as
 * amqp-value or a data section, lists as amqp-sequence; unified-mq must hand them over with their type,
 * and `bytes` always there. unified-mq sends a data section by default and, with
 * amqp({ bodySection: 'value' }), text and JSON as amqp-value, which proton reads as str, dict and list.
 * scripts/ensure-qpid-proton.sh installs proton on a fresh machine.
 */
import { execFile, execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Client, type Message } from '../../src/index.js';
import { amqp, type AmqpTransportOptions } from '../../src/transports/amqp/index.js';
import type { BrokerInfo } from '../support/brokers.js';
import { sharedBroker } from '../support/shared-brokers.js';
import { eventually, randomName } from '../support/wait.js';

const exec = promisify(execFile);
const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const PROTON = join(ROOT, 'test/support/proton-client.py');

let broker: BrokerInfo;
let protonUrl: string;
const clients: Client[] = [];

beforeAll(() => {
  execFileSync('bash', [join(ROOT, 'scripts/ensure-qpid-proton.sh')], { stdio: ['ignore', 'inherit', 'inherit'], timeout: 600_000 });
  broker = sharedBroker('rabbitmq');
  const port = new URL(broker.endpoints.amqp!).port;
  protonUrl = `amqp://${broker.username}:${broker.password}@127.0.0.1:${port}`;
}, 600_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close({ drain: false })));
});

async function client(options?: AmqpTransportOptions): Promise<Client> {
  const c = await connect({ transport: amqp(options), endpoints: [broker.endpoints.amqp!], username: broker.username, password: broker.password });
  clients.push(c);
  return c;
}

async function proton(args: string[], input?: unknown): Promise<unknown> {
  const child = exec('/usr/bin/python3', [PROTON, ...args], { timeout: 60_000 });
  if (input !== undefined) child.child.stdin!.end(JSON.stringify(input));
  const { stdout } = await child;
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('qpid-proton → unified-mq', () => {
  it('keeps the AMQP type of each body: amqp-value string, map, list, number; binary and data sections as bytes; amqp-sequence as a list', async () => {
    const c = await client();
    const queue = randomName('from-proton');
    const got: Message[] = [];
    // unified-mq attaches first, declaring the queue durable; proton then attaches with a durable terminus.
    await c.consume(queue, (m) => void got.push(m));
    await proton(['send', protonUrl, `/queue/${queue}`], [
      { kind: 'str', value: 'héllo' },
      { kind: 'map', value: { n: 1, tags: ['a', 'b'], nested: { ok: true } } },
      // A one-element list: RabbitMQ 3.10 closes the connection on an amqp-value list of two or more (docs/protocols.md).
      { kind: 'list', value: ['two'] },
      { kind: 'int', value: 42 },
      { kind: 'binary', value: '00ff01' },
      { kind: 'data', value: '00ff02' },
      { kind: 'sequence', value: [1, 2, 3] },
    ]);
    await eventually(() => expect(got).toHaveLength(7), 20_000);
    const [str, map, list, int, binary, data, sequence] = got as [Message, Message, Message, Message, Message, Message, Message];

    expect(str.body).toBe('héllo');
    expect(str.text()).toBe('héllo');
    expect(str.bytes).toEqual(new TextEncoder().encode('héllo'));

    expect(map.body).toEqual({ n: 1, tags: ['a', 'b'], nested: { ok: true } });
    expect(map.json()).toEqual({ n: 1, tags: ['a', 'b'], nested: { ok: true } });
    expect(map.contentType).toBe('application/json');

    expect(list.body).toEqual(['two']);
    expect(list.json()).toEqual(['two']);
    expect(int.body).toBe(42);
    expect(int.text()).toBe('42');

    for (const [m, bytes] of [[binary, '00ff01'], [data, '00ff02']] as const) {
      expect(m.body).toBeInstanceOf(Uint8Array);
      expect(hex(m.body as Uint8Array)).toBe(bytes);
      expect(hex(m.bytes)).toBe(bytes);
    }
    expect(sequence.body).toEqual([1, 2, 3]);
    expect(sequence.json()).toEqual([1, 2, 3]);
  }, 60_000);
});

describe('unified-mq → qpid-proton', () => {
  it("sends one data section by default: proton reads the bytes as sent, with the content type", async () => {
    const c = await client();
    const queue = randomName('to-proton-data');
    await c.send(queue, 'héllo');
    await c.send(queue, { n: 1 });
    await c.send(queue, new Uint8Array([0x00, 0xff]));
    const got = (await proton(['receive', protonUrl, `/queue/${queue}`, '3'])) as Array<{ type: string; body: string; content_type: string | null }>;
    expect(got.map((m) => m.type)).toEqual(['bytes', 'bytes', 'bytes']);
    expect(got.map((m) => Buffer.from(m.body, 'hex').toString())).toEqual(['héllo', '{"n":1}', '\u0000\ufffd']);
    expect(got[2]!.body).toBe('00ff');
    expect(got.map((m) => m.content_type)).toEqual(['text/plain; charset=utf-8', 'application/json', null]);
  }, 60_000);

  it("sends text and JSON as amqp-value (arrays as amqp-sequence) with bodySection 'value': proton reads str, dict and list; bytes stay binary", async () => {
    const c = await client({ bodySection: 'value' });
    const queue = randomName('to-proton-value');
    await c.send(queue, 'héllo');
    await c.send(queue, { n: 1, tags: ['a'], ratio: 0.5 });
    // An array goes as an amqp-sequence, which proton reads as a list too.
    await c.send(queue, [1, 'two', false, null]);
    await c.send(queue, new Uint8Array([0x00, 0xff]));
    const got = (await proton(['receive', protonUrl, `/queue/${queue}`, '4'])) as Array<{ type: string; body: unknown }>;
    expect(got).toEqual([
      expect.objectContaining({ type: 'str', body: 'héllo' }),
      expect.objectContaining({ type: 'dict', body: { n: 1, tags: ['a'], ratio: 0.5 } }),
      expect.objectContaining({ type: 'list', body: [1, 'two', false, null] }),
      expect.objectContaining({ type: 'bytes', body: '00ff' }),
    ]);
    // And back: unified-mq reads its own amqp-value bodies with their type.
    const again = randomName('value-roundtrip');
    const seen: unknown[] = [];
    await c.consume(again, (m) => void seen.push(m.body));
    await c.send(again, { n: 2 });
    await c.send(again, 'text');
    await c.send(again, [3, 'four']);
    await eventually(() => expect(seen).toEqual([{ n: 2 }, 'text', [3, 'four']]));
  }, 60_000);

  it('a proton receiver with its default, non-durable terminus is refused on a queue unified-mq declared (RabbitMQ 3.x precondition-failed)', async () => {
    const c = await client();
    const queue = randomName('to-proton-plain');
    await c.send(queue, 'x');
    const failure = (await proton(['receive', protonUrl, `/queue/${queue}`, '1', 'plain']).catch((error: { stdout: string }) =>
      JSON.parse(error.stdout.trim()),
    )) as { conditions: string[] };
    expect(failure.conditions.join('\n')).toMatch(/precondition.failed.*durable/i);
  }, 60_000);
});
