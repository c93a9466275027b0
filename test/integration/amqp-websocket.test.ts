/**
 * AMQP over WebSocket (OASIS AMQP WebSocket Binding 1.0, subprotocol AMQPWSB10).
 *
 * RabbitMQ 3.10 serves AMQP 1.0 over TCP only (AMQP over WebSocket came with RabbitMQ 4.x), so no broker
 * here speaks it. These tests put a small WebSocket-to-TCP bridge in front of RabbitMQ's AMQP port: it
 * accepts only the AMQPWSB10 subprotocol and passes binary messages through unchanged, which is all the
 * binding asks of a server. What they prove is the client side: the subprotocol, binary framing, frames
 * split across WebSocket messages, and both WebSocket flavours (`ws`'s own API, and a browser-style
 * constructor given as amqp({ WebSocket })).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ConnectionError } from '../../src/core/errors.js';
import type { Delivery } from '../../src/core/transport.js';
import type { AmqpConnection } from '../../src/transports/amqp/connection.js';
import type { BrokerInfo } from '../support/brokers.js';
import { sharedBroker } from '../support/shared-brokers.js';
import { startTlsTerminator } from '../support/tls-terminator.js';
import { startWsBridge, type WsBridge } from '../support/ws-bridge.js';
import { eventually, randomName } from '../support/wait.js';
import { message, openAmqp, request, text } from './amqp-support.js';

let broker: BrokerInfo;
let bridge: WsBridge;
let bridgeUrl: string;

beforeAll(async () => {
  broker = sharedBroker('rabbitmq');
  // Small WebSocket messages from the broker's side: frames then straddle messages.
  bridge = await startWsBridge(Number(new URL(broker.endpoints.amqp!).port), { chunkBytes: 7 });
  bridgeUrl = bridge.url;
});

afterAll(() => bridge.close());

describe('AMQP over WebSocket (through a WebSocket-to-TCP bridge to RabbitMQ 3.10)', () => {
  it('opens with the AMQPWSB10 subprotocol and round-trips messages over `ws`', async () => {
    const before = bridge.negotiated.length;
    const { connection, lost } = await openAmqp(bridgeUrl, broker);
    try {
      expect(bridge.negotiated.slice(before)).toEqual(['AMQPWSB10']);
      expect((connection as AmqpConnection).dialect).toBe('rabbitmq');
      const queue = randomName('ws');
      const got: Delivery[] = [];
      await connection.subscribe(request(queue, { kind: 'queue' }), (d) => {
        got.push(d);
        void connection.ack(d);
      });
      await Promise.all(['a', 'b', 'c'].map((b) => connection.publish(message(queue, b, { kind: 'queue' }), true)));
      await eventually(() => expect(got.map(text)).toEqual(['a', 'b', 'c']));
      expect(lost).toEqual([]);
    } finally {
      await connection.close();
    }
  });

  it('uses a browser-style WebSocket constructor given as amqp({ WebSocket })', async () => {
    const constructed: string[] = [];
    class BrowserStyle extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols);
        constructed.push(url);
      }
    }
    const { connection } = await openAmqp(bridgeUrl, broker, { transport: { WebSocket: BrowserStyle } });
    try {
      expect(constructed).toEqual([bridgeUrl]);
      const topic = randomName('wsb');
      const got: string[] = [];
      await connection.subscribe(request(topic), (d) => {
        got.push(text(d));
        void connection.ack(d);
      });
      await connection.publish(message(topic, 'über'), true);
      await eventually(() => expect(got).toEqual(['über']));
    } finally {
      await connection.close();
    }
  });

  it('opens wss:// with the TLS options: verified through tls.ca, refused without it', async () => {
    const tls = await startTlsTerminator(bridge.port);
    try {
      const url = `wss://127.0.0.1:${tls.port}/`;
      const untrusted = await openAmqp(url, broker).catch((e: unknown) => e);
      expect(untrusted).toBeInstanceOf(ConnectionError);
      const { connection } = await openAmqp(url, broker, { tls: { ca: tls.ca } });
      try {
        const queue = randomName('wss');
        const got: Delivery[] = [];
        await connection.subscribe(request(queue, { kind: 'queue' }), (d) => void got.push(d));
        await connection.publish(message(queue, 'over wss', { kind: 'queue' }), true);
        await eventually(() => expect(got.map(text)).toEqual(['over wss']));
      } finally {
        await connection.close();
      }
    } finally {
      await tls.close();
    }
  });

  it('works from the browser build (dist/browser: rhea bundled with the `buffer` package and its stand-ins for Node)', async () => {
    // A specifier in a variable: the type checker runs before the build, when dist/ does not exist yet.
    const load = (file: string) => import(new URL(`../../dist/browser/${file}`, import.meta.url).href);
    const { connect } = (await load('index.js')) as typeof import('../../src/index.js');
    const { amqp: browserAmqp } = (await load('amqp.js')) as typeof import('../../src/transports/amqp/index.js');
    const client = await connect({ transport: browserAmqp({ WebSocket }), endpoints: [bridgeUrl], username: broker.username, password: broker.password });
    try {
      const queue = randomName('browser-build');
      const binary = Uint8Array.of(0x00, 0xff, 0x00, 0x7f, 0xfe);
      const got: Array<Uint8Array> = [];
      await client.consume(queue, async (m) => {
        got.push(m.bytes);
        await m.ack();
      }, { ack: 'manual' });
      await client.send(queue, binary);
      await client.send(queue, { n: 1, text: 'über' });
      await eventually(() => expect(got).toHaveLength(2));
      expect([...got[0]!]).toEqual([...binary]);
      expect(JSON.parse(new TextDecoder().decode(got[1]!))).toEqual({ n: 1, text: 'über' });
    } finally {
      await client.close();
    }
  });

  it('reports the loss when the WebSocket closes', async () => {
    const { connection, lost } = await openAmqp(bridgeUrl, broker);
    bridge.terminateAll();
    await eventually(() => expect(lost).toHaveLength(1));
    await connection.close();
  });
});
