/**
 * How the STOMP transport fails: refused credentials, refused ports, connect time-outs, a send the
 * broker refuses with an ERROR frame, and TLS (stomp+ssl://) verification, through a TLS-terminating
 * proxy in front of the shared RabbitMQ (the test brokers serve plain STOMP only).
 */
import { createServer as createNetServer, type Server } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AuthenticationError, ConnectionError, RejectedError, TimeoutError } from '../../src/core/errors.js';
import type { TransportConnection } from '../../src/core/transport.js';
import { sharedBroker } from '../support/shared-brokers.js';
import { startTlsTerminator, type TlsTerminator } from '../support/tls-terminator.js';
import { eventually, randomName, sleep } from '../support/wait.js';
import { closeAll, message, openStomp, request } from './stomp-support.js';

const open: TransportConnection[] = [];
afterEach(async () => {
  await closeAll(open.splice(0));
});

const rabbit = () => sharedBroker('rabbitmq');

describe('STOMP transport failures', () => {
  it('refused credentials are an AuthenticationError that does not contain the password', async () => {
    const password = 'Sup3r-Secret-Passcode';
    const error = await openStomp(rabbit().endpoints.stomp!, { username: 'guest', password }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as Error).message).toMatch(/Access refused for user 'guest'/);
    expect(String((error as Error).message)).not.toContain(password);
    expect(JSON.stringify(error)).not.toContain(password);
  });

  it('an unknown virtual host is an AuthenticationError, not a retryable failure', async () => {
    const error = await openStomp(rabbit().endpoints.stomp!, rabbit(), { transport: { virtualHost: 'no-such-vhost' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as Error).message).toMatch(/no-such-vhost/);
  });

  it('a refused port is a retryable ConnectionError naming the endpoint', async () => {
    const port = await unusedPort();
    const error = await openStomp(`stomp://127.0.0.1:${port}`, undefined).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).retryable).toBe(true);
    expect((error as Error).message).toContain(`stomp://127.0.0.1:${port}`);
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
  });

  it('a peer that accepts TCP and closes it (a standby behind a port proxy) is a ConnectionError', async () => {
    const server = createNetServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const error = await openStomp(`stomp://127.0.0.1:${(server.address() as { port: number }).port}`, undefined).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectionError);
      expect((error as Error).message).toMatch(/closed the connection before STOMP CONNECTED/);
    } finally {
      server.close();
    }
  });

  it('rejects promptly with the abort reason when the signal aborts (a silent peer), and frees the socket', async () => {
    const sockets = new Set<import('node:net').Socket>();
    let closed = 0;
    const server = createNetServer((socket) => {
      sockets.add(socket);
      socket.resume();
      socket.on('close', () => closed++);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const controller = new AbortController();
      const started = performance.now();
      setTimeout(() => controller.abort(new TimeoutError('connect timed out')), 200);
      const error = await openStomp(`stomp://127.0.0.1:${(server.address() as { port: number }).port}`, undefined, { signal: controller.signal }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(TimeoutError);
      expect(performance.now() - started).toBeLessThan(1000);
      expect(sockets.size).toBe(1);
      await eventually(() => expect(closed).toBe(1), 2000);
    } finally {
      for (const socket of sockets) socket.destroy();
      server.close();
    }
  });

  it('a send RabbitMQ refuses with an ERROR frame rejects with RejectedError; other sends in flight get a retryable error', async () => {
    const { connection: c, lost } = await openStomp(rabbit().endpoints.stomp!, rabbit());
    // RabbitMQ refuses queue names with the reserved `amq.` prefix, then closes the connection.
    const refused = c.publish(message(`amq.${randomName('refused')}`, 'x', { kind: 'queue' }), true).catch((e: unknown) => e);
    const bystander = c.publish(message(randomName('fine'), 'y', { kind: 'queue' }), true).catch((e: unknown) => e);
    const error = await refused;
    expect(error).toBeInstanceOf(RejectedError);
    expect((error as Error).message).toMatch(/ACCESS_REFUSED.*reserved prefix/);
    const other = await bystander;
    if (other !== undefined) {
      expect(other).toBeInstanceOf(ConnectionError);
      expect((other as ConnectionError).retryable).toBe(true);
    }
    await sleep(200);
    expect(lost).toHaveLength(1);
    expect(lost[0]).toBeInstanceOf(ConnectionError);
    expect(lost[0]!.message).toMatch(/ERROR frame: access_refused/);
  });
});

describe('STOMP over TLS (stomp+ssl://)', () => {
  let ca: string;
  let terminator: TlsTerminator | undefined;
  let port: number;

  beforeAll(async () => {
    terminator = await startTlsTerminator(rabbit().ports.stomp!);
    ca = terminator.ca;
    port = terminator.port;
  });

  afterAll(async () => {
    await terminator?.close();
  });

  it('verifies the certificate by default: an unknown CA is a ConnectionError saying TLS failed', async () => {
    const error = await openStomp(`stomp+ssl://127.0.0.1:${port}`, rabbit()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toMatch(/^TLS to stomp\+ssl:\/\/127\.0\.0\.1:\d+ failed \((SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|DEPTH_ZERO_SELF_SIGNED_CERT)\)/);
  });

  it('connects and round-trips a message with the CA given in tls.ca', async () => {
    const { connection: c } = await openStomp(`stomp+ssl://127.0.0.1:${port}`, rabbit(), { tls: { ca } });
    open.push(c);
    const queue = randomName('tls');
    const got: string[] = [];
    await c.subscribe(request(queue, { kind: 'queue' }), (d) => {
      got.push(new TextDecoder().decode(d.bytes));
      void c.ack(d);
    });
    await c.publish(message(queue, 'over tls', { kind: 'queue' }), true);
    await expect.poll(() => got).toEqual(['over tls']);
  });

  it('rejects a certificate for another host name', async () => {
    const error = await openStomp(`stomp+ssl://127.0.0.1:${port}`, rabbit(), { tls: { ca, servername: 'broker.example' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toMatch(/TLS to .* failed \(ERR_TLS_CERT_ALTNAME_INVALID\)/);
  });
});

async function unusedPort(): Promise<number> {
  const server: Server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
