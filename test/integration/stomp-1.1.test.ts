/**
 * STOMP 1.1, the fallback when a broker does not speak 1.2: the transport offered only 1.1
 * (`stomp({ versions: ['1.1'] })`) on the shared brokers. 1.1 escapes header values without `\r`, and
 * acks and nacks name the message by `message-id` and `subscription` instead of 1.2's `ack` id.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { UnsupportedError } from '../../src/core/errors.js';
import type { Delivery, TransportConnection } from '../../src/core/transport.js';
import type { StompConnection } from '../../src/transports/stomp/connection.js';
import type { BrokerInfo } from '../support/brokers.js';
import { sharedBroker } from '../support/shared-brokers.js';
import { eventually, randomName, sleep } from '../support/wait.js';
import { closeAll, message, openStomp, request } from './stomp-support.js';

const targets: Array<{ name: string; broker: () => BrokerInfo }> = [
  { name: 'ActiveMQ', broker: () => sharedBroker('activemq') },
  { name: 'RabbitMQ', broker: () => sharedBroker('rabbitmq') },
];

const open: TransportConnection[] = [];
afterEach(async () => {
  await closeAll(open.splice(0));
});

describe.each(targets)('STOMP 1.1 on $name', (target) => {
  async function connection(): Promise<StompConnection> {
    const broker = target.broker();
    const opened = await openStomp(broker.endpoints.stomp!, broker, { transport: { versions: ['1.1'] } });
    open.push(opened.connection);
    return opened.connection as StompConnection;
  }

  it('negotiates 1.1 and brings back headers with the characters 1.1 escapes, and binary bodies', async () => {
    const c = await connection();
    expect(c.version).toBe('1.1');
    const headers = { colon: 'a:b::c', newline: 'line 1\nline 2', backslash: 'C:\\new\\table', 'name:with\\escapes': 'x' };
    const queue = randomName('v11');
    const got: Delivery[] = [];
    await c.subscribe(request(queue, { kind: 'queue' }), (d) => {
      got.push(d);
      void c.ack(d);
    });
    const binary = new Uint8Array([0, 1, 0, 255, 0]);
    await c.publish(message(queue, binary, { kind: 'queue', headers }), true);
    await eventually(() => expect(got).toHaveLength(1));
    expect(got[0]!.headers).toEqual(headers);
    expect(got[0]!.bytes).toEqual(binary);
  });

  it('refuses a carriage return in a header, which 1.1 cannot carry, with a typed error', async () => {
    const c = await connection();
    const refusal = c.publish(message(randomName('v11'), 'x', { headers: { bad: 'a\rb' } }), true);
    await expect(refusal).rejects.toBeInstanceOf(UnsupportedError);
    await expect(refusal).rejects.toThrow(/negotiated STOMP 1\.1, which cannot carry a carriage return/);
  });

  it('acks by message-id, and redelivers after a nack with requeue', async () => {
    const c = await connection();
    const queue = randomName('v11-ack');
    const got: Delivery[] = [];
    await c.subscribe(request(queue, { kind: 'queue', prefetch: 1 }), (d) => {
      got.push(d);
      if (got.length === 1) void c.nack(d, true);
      else void c.ack(d);
    });
    await c.publish(message(queue, 'once', { kind: 'queue' }), true);
    await eventually(() => expect(got).toHaveLength(2), 10_000);
    expect(got[1]!.redelivered).toBe(true);
    await sleep(500);
    expect(got).toHaveLength(2); // the ack took: nothing comes back
  });
});
