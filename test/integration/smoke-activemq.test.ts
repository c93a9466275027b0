/** Smoke: the shared ActiveMQ answers each protocol it serves, with the raw client libraries. */
import { connect } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { sharedBroker } from '../support/shared-brokers.js';
import { Closers, mqttRoundTrip, stompRoundTrip } from './smoke-helpers.js';

const closers = new Closers();
afterAll(() => closers.closeAll());

describe('smoke: ActiveMQ 5.17', () => {
  const broker = () => sharedBroker('activemq');

  it('serves exactly MQTT, STOMP and OpenWire (Debian has no AMQP/WebSocket transport)', () => {
    expect([...broker().protocols].sort()).toEqual(['mqtt', 'openwire', 'stomp']);
    expect(broker().endpoints.mqtt).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
  });

  it('MQTT 3.1.1 (mqtt.js): publish and receive one message', () => mqttRoundTrip(closers, broker().endpoints.mqtt!, {}));

  it('STOMP (stompjs over @stomp/tcp-wrapper): send and receive one message', () => stompRoundTrip(closers, broker().endpoints.stomp!));

  it('OpenWire: the broker opens with its WireFormatInfo (magic "ActiveMQ")', async () => {
    // No OpenWire client exists for Node; the broker speaks first, so reading its greeting is a protocol-level check.
    const url = new URL(broker().endpoints.openwire!);
    const greeting = await new Promise<Buffer>((resolve, reject) => {
      const socket = connect(Number(url.port), url.hostname);
      let data = Buffer.alloc(0);
      const timer = setTimeout(() => (socket.destroy(), reject(new Error('no OpenWire greeting within 5 s'))), 5000);
      socket.on('data', (chunk: Buffer) => {
        data = Buffer.concat([data, chunk]);
        if (data.length >= 13) {
          clearTimeout(timer);
          socket.destroy();
          resolve(data);
        }
      });
      socket.on('error', (error) => (clearTimeout(timer), reject(error)));
    });
    // [size:4][type:1 = WIREFORMAT_INFO (1)][magic "ActiveMQ"]
    expect(greeting[4]).toBe(1);
    expect(greeting.subarray(5, 13).toString('latin1')).toBe('ActiveMQ');
  });
});
