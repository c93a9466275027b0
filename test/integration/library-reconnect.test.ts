/**
 * The core drives every reconnection (the failover walk), so each client library's own reconnect must be
 * off: after its connection is cut, a transport connection reports the loss once and never dials again.
 * Counted at a fault proxy in front of the broker: no new connection arrives after the cut.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { UnifiedMqError } from '../../src/core/errors.js';
import type { TransportConnection } from '../../src/core/transport.js';
import type { BrokerInfo, Protocol } from '../support/brokers.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { sharedBroker } from '../support/shared-brokers.js';
import { eventually, sleep } from '../support/wait.js';
import { openAmqp } from './amqp-support.js';
import { openMqtt } from './mqtt-support.js';
import { openStomp } from './stomp-support.js';

type Open = (url: string, broker: BrokerInfo) => Promise<{ connection: TransportConnection; lost: UnifiedMqError[] }>;

/** `waitMs`: longer than the library's default first reconnect delay (mqtt.js 1 s, stompjs 5 s, rhea 100 ms). */
const targets: Array<{ name: string; broker: () => BrokerInfo; protocol: Protocol; open: Open; waitMs: number }> = [
  { name: 'MQTT (mqtt.js)', broker: () => sharedBroker('mosquitto'), protocol: 'mqtt', open: (url, b) => openMqtt(url, b), waitMs: 1500 },
  { name: 'STOMP (@stomp/stompjs)', broker: () => sharedBroker('rabbitmq'), protocol: 'stomp', open: (url, b) => openStomp(url, b), waitMs: 5500 },
  { name: 'AMQP 1.0 (rhea)', broker: () => sharedBroker('rabbitmq'), protocol: 'amqp', open: (url, b) => openAmqp(url, b), waitMs: 1500 },
];

let proxy: FaultProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

describe.each(targets)('$name', (target) => {
  it('reports a cut connection once and never reconnects by itself', async () => {
    const broker = target.broker();
    proxy = await startFaultProxy('127.0.0.1', broker.ports[target.protocol]!);
    const { connection, lost } = await target.open(proxy.url(target.protocol), broker);
    expect(proxy.connections).toBe(1);
    proxy.reset();
    await eventually(() => expect(lost).toHaveLength(1));
    await sleep(target.waitMs);
    expect(proxy.connections).toBe(0);
    expect(lost).toHaveLength(1);
    await connection.close().catch(() => undefined);
  });
});
