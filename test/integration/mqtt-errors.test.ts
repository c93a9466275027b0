/**
 * How the MQTT transport fails: typed errors that name the endpoint and what to do, never the password.
 * Bad credentials, refused ports, a protocol version the broker does not speak, ports that are not MQTT,
 * a wrong WebSocket path, an aborted handshake, and TLS (mqtts://, mqtt+ssl://, wss://) through a local
 * TLS-terminating proxy in front of the shared brokers, with a certificate made for the test.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect as netConnect, createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEndpoint } from '../../src/core/endpoints.js';
import { AuthenticationError, ConnectionError, InvalidArgumentError, TimeoutError, UnsupportedError } from '../../src/core/errors.js';
import type { Delivery } from '../../src/core/transport.js';
import { mqtt } from '../../src/transports/mqtt/index.js';
import { sharedBroker } from '../support/shared-brokers.js';
import { eventually, randomName } from '../support/wait.js';
import { message, openMqtt, request, text, uniqueClientId } from './mqtt-support.js';

const SECRET = 'hunter2-do-not-leak';

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createNetServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

describe('MQTT connection errors', () => {
  it('turns bad credentials into AuthenticationError (CONNACK return code 4) without the password', async () => {
    const error = await failure(openMqtt(sharedBroker('rabbitmq').endpoints.mqtt!, { username: 'guest', password: SECRET }));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).retryable).toBe(false);
    expect(error.message).toMatch(/refused the credentials \(MQTT reason code 4/);
    expect(error.message).toContain(sharedBroker('rabbitmq').endpoints.mqtt!);
    expect(`${error.message} ${String(error.cause)} ${error.stack}`).not.toContain(SECRET);
  });

  it('cannot tell bad credentials on RabbitMQ Web-MQTT (it closes without CONNACK): a ConnectionError that says so', async () => {
    const error = await failure(openMqtt(sharedBroker('rabbitmq').endpoints['mqtt-ws']!, { username: 'guest', password: SECRET }));
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.message).toMatch(/closed the connection before CONNACK \(.*RabbitMQ Web-MQTT does it to bad credentials\)$/);
    expect(`${error.message} ${String(error.cause)}`).not.toContain(SECRET);
  });

  it('keeps a password given in the endpoint URL out of every message', async () => {
    const url = sharedBroker('rabbitmq').endpoints.mqtt!.replace('mqtt://', `mqtt://guest:${SECRET}@`);
    const endpoint = parseEndpoint(url);
    const error = await failure(
      mqtt().open(endpoint, {
        clientId: uniqueClientId(), username: endpoint.username, password: endpoint.password, heartbeatMs: 10_000, connectTimeoutMs: 10_000,
        tls: undefined, signal: new AbortController().signal, logger: undefined, onLost: () => undefined,
      }),
    );
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.message).toContain('mqtt://guest:***@127.0.0.1');
    expect(`${error.message} ${String(error.cause)}`).not.toContain(SECRET);
  });

  it('reports a refused port as a retryable ConnectionError naming the endpoint', async () => {
    const url = `mqtt://127.0.0.1:${await freePort()}`;
    const error = await failure(openMqtt(url, undefined));
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).retryable).toBe(true);
    expect(error.message).toBe(`${url} refused the connection (nothing listens there, or the broker is down)`);
  });

  it('says which protocol version to use when a 3.1.1-only broker drops an MQTT 5 CONNECT', async () => {
    for (const url of [sharedBroker('activemq').endpoints.mqtt!, sharedBroker('rabbitmq').endpoints.mqtt!]) {
      const error = await failure(openMqtt(url, sharedBroker('rabbitmq'), { transport: { protocolVersion: 5 } }));
      expect(error).toBeInstanceOf(ConnectionError);
      expect(error.message).toMatch(/closed the connection before CONNACK: .*mqtt\(\{ protocolVersion: 4 \}\)/);
    }
  });

  it('names a port that does not speak MQTT (RabbitMQ AMQP answers with its protocol header)', async () => {
    const url = sharedBroker('rabbitmq').endpoints.amqp!.replace('amqp://', 'mqtt://');
    const error = await failure(openMqtt(url, sharedBroker('rabbitmq')));
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.message).toBe(`${url} does not speak MQTT here: it answered with byte 0x41 instead of a CONNACK: is this an MQTT port?`);
  });

  it('names the HTTP status of a refused WebSocket upgrade (wrong path)', async () => {
    const url = sharedBroker('rabbitmq').endpoints['mqtt-ws']!.replace('/ws', '/mqtt');
    const error = await failure(openMqtt(url, sharedBroker('rabbitmq')));
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.message).toMatch(/refused the WebSocket upgrade with HTTP 404; check the path/);
  });

  it('rejects at once when the signal aborts, with its reason, and releases the socket', async () => {
    // A listener that accepts and never answers, like a frozen broker.
    const sockets = new Set<import('node:net').Socket>();
    const silent = createNetServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
      socket.resume(); // read (and drop) the CONNECT, so that the client's FIN is seen
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const controller = new AbortController();
      const opening = openMqtt(`mqtt://127.0.0.1:${(silent.address() as AddressInfo).port}`, undefined, { signal: controller.signal });
      await eventually(() => expect(sockets.size).toBe(1));
      const reason = new TimeoutError('connect time-out');
      const abortedAt = performance.now();
      controller.abort(reason);
      const error = await failure(opening);
      expect(performance.now() - abortedAt).toBeLessThan(100);
      expect(error).toBe(reason);
      await eventually(() => expect(sockets.size).toBe(0));
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('refuses schemes it cannot serve, and invalid options, up front', async () => {
    const error = await failure(openMqtt('stomp://127.0.0.1:61613', undefined));
    expect(error).toBeInstanceOf(UnsupportedError);
    expect(error.message).toBe('The MQTT transport serves mqtt://, mqtts://, mqtt+ssl://, ws://, wss:// endpoints, not stomp:// (stomp://127.0.0.1:61613)');
    expect(() => mqtt({ protocolVersion: 3 as 4 })).toThrow(InvalidArgumentError);
    expect(() => mqtt({ maxFrameBytes: 10 })).toThrow(InvalidArgumentError);
    expect(() => mqtt({ queueGroup: 'a/b' })).toThrow(InvalidArgumentError);
  });
});

describe('MQTT over TLS (a TLS-terminating proxy in front of the shared brokers)', () => {
  let dir: string;
  let ca: string;
  const servers: TlsServer[] = [];
  let mqttPort: number;
  let wsPort: number;

  /** A TLS server on 127.0.0.1 that forwards the decrypted bytes to `port`. */
  function tlsProxy(port: number, key: string, cert: string): Promise<number> {
    const server = createTlsServer({ key, cert }, (secure) => {
      const upstream = netConnect(port, '127.0.0.1');
      secure.pipe(upstream).pipe(secure);
      secure.on('error', () => upstream.destroy());
      upstream.on('error', () => secure.destroy());
      secure.on('close', () => upstream.destroy());
      upstream.on('close', () => secure.destroy());
    });
    server.on('tlsClientError', () => undefined);
    servers.push(server);
    return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'umq-mqtt-tls-'));
    // A self-signed certificate for the name "localhost" only: connecting to 127.0.0.1 needs tls.servername.
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    const key = readFileSync(join(dir, 'key.pem'), 'utf8');
    ca = readFileSync(join(dir, 'cert.pem'), 'utf8');
    mqttPort = await tlsProxy(sharedBroker('mosquitto').ports.mqtt!, key, ca);
    wsPort = await tlsProxy(sharedBroker('rabbitmq').ports['mqtt-ws']!, key, ca);
  });

  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    rmSync(dir, { recursive: true, force: true });
  });

  async function roundTrip(url: string, tls: { ca?: string; servername?: string; rejectUnauthorized?: boolean }, broker = sharedBroker('mosquitto')): Promise<string[]> {
    const { connection: c } = await openMqtt(url, broker, { tls });
    try {
      const topic = randomName('tls');
      const got: Delivery[] = [];
      await c.subscribe(request(topic), (d) => void got.push(d));
      await c.publish(message(topic, 'over tls'), true);
      await eventually(() => expect(got).toHaveLength(1));
      await c.ack(got[0]!);
      return got.map(text);
    } finally {
      await c.close();
    }
  }

  it('verifies the broker with tls.ca and tls.servername (mqtts:// and mqtt+ssl://)', async () => {
    expect(await roundTrip(`mqtts://127.0.0.1:${mqttPort}`, { ca, servername: 'localhost' })).toEqual(['over tls']);
    expect(await roundTrip(`mqtt+ssl://127.0.0.1:${mqttPort}`, { ca, servername: 'localhost' })).toEqual(['over tls']);
  });

  it('takes the host name from the endpoint for SNI and verification', async () => {
    expect(await roundTrip(`mqtts://localhost:${mqttPort}`, { ca })).toEqual(['over tls']);
  });

  it('refuses a certificate it cannot trust, and one for another host name', async () => {
    const untrusted = await failure(openMqtt(`mqtts://127.0.0.1:${mqttPort}`, undefined, { tls: { servername: 'localhost' } }));
    expect(untrusted).toBeInstanceOf(ConnectionError);
    expect(untrusted.message).toMatch(/TLS with mqtts:\/\/127\.0\.0\.1:\d+ failed: the broker's certificate is not trusted \(SELF_SIGNED_CERT|DEPTH_ZERO/);
    const wrongName = await failure(openMqtt(`mqtts://127.0.0.1:${mqttPort}`, undefined, { tls: { ca } }));
    expect(wrongName).toBeInstanceOf(ConnectionError);
    expect(wrongName.message).toMatch(/ERR_TLS_CERT_ALTNAME_INVALID.*check the host name \(tls\.servername\)/);
  });

  it('connects without verification only when rejectUnauthorized is false', async () => {
    expect(await roundTrip(`mqtts://127.0.0.1:${mqttPort}`, { rejectUnauthorized: false })).toEqual(['over tls']);
  });

  it('says so when plain MQTT reaches a TLS port, or TLS a plain port', async () => {
    const plainToTls = await failure(openMqtt(`mqtt://127.0.0.1:${mqttPort}`, undefined));
    expect(plainToTls).toBeInstanceOf(ConnectionError);
    // Node's TLS server closes the socket without an alert; a server that answers with a TLS record is named as such.
    expect(plainToTls.message).toMatch(/closed the connection before CONNACK \(a TLS port does this to plain MQTT: use mqtts:\/\//);
    const tlsToPlain = await failure(openMqtt(`mqtts://127.0.0.1:${sharedBroker('mosquitto').ports.mqtt}`, undefined, { tls: { ca, servername: 'localhost' } }));
    expect(tlsToPlain).toBeInstanceOf(ConnectionError);
    expect(tlsToPlain.message).toMatch(/the port does not speak TLS .*use mqtt:\/\/ or ws:\/\/ for a plain port/);
  });

  it('passes the TLS options to wss:// as well', async () => {
    expect(await roundTrip(`wss://localhost:${wsPort}/ws`, { ca }, sharedBroker('rabbitmq'))).toEqual(['over tls']);
  });
});
