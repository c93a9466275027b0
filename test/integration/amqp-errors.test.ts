/**
 * How the AMQP transport fails to open: typed errors that say what to do, never the password, and no
 * socket left behind. RabbitMQ 3.10 for credentials and TLS-on-a-plain-port; small local servers for
 * what no broker here does (a TLS port, a 0-9-1-only broker, an oversized frame, silence).
 */
import { createServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  ConnectionError,
  InvalidArgumentError,
  isRefusal,
  PayloadTooLargeError,
  TimeoutError,
  UnsupportedError,
} from '../../src/core/errors.js';
import { amqp } from '../../src/transports/amqp/index.js';
import { sharedBroker } from '../support/shared-brokers.js';
import { eventually } from '../support/wait.js';
import { AMQP_HEADER, fakeServer, openAmqp, SASL_HEADER } from './amqp-support.js';

const servers: Array<{ close(): Promise<void> }> = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function server(onSocket: Parameters<typeof fakeServer>[0]) {
  const s = await fakeServer(onSocket);
  servers.push(s);
  return s;
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe('amqp transport: failures to open', () => {
  it('bad credentials → AuthenticationError, without the password', async () => {
    const broker = sharedBroker('rabbitmq');
    const password = 'not-the-password-6d1f';
    const failure = await openAmqp(broker.endpoints.amqp!, { username: 'guest', password }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(AuthenticationError);
    expect((failure as Error).message).toContain('127.0.0.1');
    expect((failure as Error).message).not.toContain(password);
    expect(JSON.stringify(failure, Object.getOwnPropertyNames(failure))).not.toContain(password);
  });

  it('a refused port → ConnectionError naming the endpoint', async () => {
    const port = await freePort();
    const failure = await openAmqp(`amqp://127.0.0.1:${port}`, undefined).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ConnectionError);
    expect((failure as ConnectionError).retryable).toBe(true);
    expect((failure as Error).message).toContain(`127.0.0.1:${port}`);
    expect((failure as Error).message).toMatch(/ECONNREFUSED/);
  });

  // A closed port behind a TCP proxy (Docker's, a load balancer): the connect is accepted, then reset.
  it('a port that resets the connection before the AMQP header → a refusal, which the walk retries at once', async () => {
    const reset = await server((socket) => socket.resetAndDestroy());
    for (let i = 0; i < 5; i++) {
      const failure = await openAmqp(reset.url('amqp'), undefined).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(ConnectionError);
      expect((failure as Error).message).toMatch(/ECONNRESET|EPIPE/);
      expect(isRefusal(failure)).toBe(true);
    }
  });

  it('plain AMQP sent to a TLS port → ConnectionError saying to use amqps://', async () => {
    // What a TLS server answers to bytes that are no ClientHello: a fatal alert record, then it hangs up.
    const tlsPort = await server((socket) => socket.once('data', () => socket.end(Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46]))));
    const failure = await openAmqp(tlsPort.url('amqp'), { username: 'guest', password: 'guest' }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ConnectionError);
    expect((failure as Error).message).toMatch(/answered with TLS, not AMQP: this is a TLS port; use amqps:\/\//);
  });

  it('plain AMQP to a TLS port that hangs up without a word → ConnectionError mentioning amqps://', async () => {
    const silent = await server((socket) => socket.once('data', () => socket.end()));
    const failure = await openAmqp(silent.url('amqp'), undefined).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ConnectionError);
    expect((failure as Error).message).toMatch(/closed the connection before answering with the AMQP header.*amqps:\/\//);
  });

  it('amqps:// to a plain AMQP port → ConnectionError saying the port speaks plain text', async () => {
    const broker = sharedBroker('rabbitmq');
    const plain = broker.endpoints.amqp!.replace('amqp://', 'amqps://');
    const failure = await openAmqp(plain, broker).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ConnectionError);
    expect((failure as Error).message).toMatch(/TLS to .* failed: the port answered in plain text, not TLS; use amqp:\/\//);
  });

  it('a broker that speaks only AMQP 0-9-1 → ConnectionError naming the version', async () => {
    const old = await server((socket) => socket.once('data', () => socket.end(Buffer.from([0x41, 0x4d, 0x51, 0x50, 0, 0, 9, 1]))));
    const failure = await openAmqp(old.url(), undefined).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ConnectionError);
    expect((failure as Error).message).toMatch(/speaks AMQP 0\.9\.1 .*not AMQP 1\.0/);
  });

  it('a frame declaring more than maxFrameBytes → PayloadTooLargeError, and the socket is closed', async () => {
    let closed = false;
    const huge = await server((socket) => {
      socket.on('close', () => void (closed = true));
      socket.once('data', () => {
        // The SASL header, then a frame header declaring 1 GiB, and a first slice of its body.
        const frameHeader = Buffer.from([0x40, 0x00, 0x00, 0x00, 0x02, 0x01, 0x00, 0x00]);
        socket.write(Buffer.concat([SASL_HEADER, frameHeader, Buffer.alloc(64 * 1024)]));
      });
    });
    const failure = await openAmqp(huge.url(), { username: 'u', password: 'p' }, { transport: { maxFrameBytes: 1024 * 1024 } }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(PayloadTooLargeError);
    expect(failure).toMatchObject({ size: 0x40000000, limit: 1024 * 1024 });
    await eventually(() => expect(closed).toBe(true));
  });

  it('aborting the open (connect time-out) rejects at once and closes the socket', async () => {
    let closed = false;
    // Accepts, answers the header, then says nothing more: the open would wait forever.
    const mute = await server((socket) => {
      socket.on('close', () => void (closed = true));
      socket.once('data', () => socket.write(AMQP_HEADER));
    });
    const controller = new AbortController();
    const reason = new TimeoutError('connect time-out');
    setTimeout(() => controller.abort(reason), 200);
    const started = performance.now();
    const failure = await openAmqp(mute.url(), undefined, { signal: controller.signal }).catch((e: unknown) => e);
    expect(failure).toBe(reason);
    expect(performance.now() - started).toBeLessThan(1000);
    await eventually(() => expect(closed).toBe(true));
  });

  it('a scheme it cannot serve → UnsupportedError naming the schemes it serves', async () => {
    const failure = await openAmqp('stomp://127.0.0.1:61613', undefined).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(UnsupportedError);
    expect((failure as Error).message).toBe('The AMQP transport serves amqp://, amqps://, amqp+ssl://, ws://, wss:// endpoints, not stomp:// (stomp://127.0.0.1:61613)');
  });

  it('rejects options it cannot honour when the transport is created', () => {
    expect(() => amqp({ maxFrameBytes: 100 })).toThrow(InvalidArgumentError);
    expect(() => amqp({ dialect: 'qpid' as never })).toThrow(/must be one of activemq, rabbitmq, rabbitmq4, artemis/);
  });
});
