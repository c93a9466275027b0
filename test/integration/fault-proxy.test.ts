/** The fault-injecting TCP proxy (test/support/fault-proxy.ts), against a local echo server: no Docker needed. */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { eventually, sleep } from '../support/wait.js';

let echo: Server;
let echoPort: number;
let proxy: FaultProxy;
const sockets: Socket[] = [];

beforeAll(async () => {
  echo = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  echoPort = (echo.address() as { port: number }).port;
  proxy = await startFaultProxy('127.0.0.1', echoPort);
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await proxy?.close();
  await new Promise<void>((resolve) => (echo ? echo.close(() => resolve()) : resolve()));
});

interface Conn {
  socket: Socket;
  received: () => string;
  closed: () => boolean;
  error: () => string | undefined;
}

async function open(): Promise<Conn> {
  const socket = connect(proxy.port, '127.0.0.1');
  sockets.push(socket);
  let data = '';
  let closed = false;
  let error: string | undefined;
  socket.on('data', (chunk) => (data += chunk.toString()));
  socket.on('close', () => (closed = true));
  socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { socket, received: () => data, closed: () => closed, error: () => error };
}

describe('fault proxy', () => {
  it('pass(): forwards both ways, and url() names it', async () => {
    expect(proxy.url('mqtt')).toBe(`mqtt://127.0.0.1:${proxy.port}`);
    expect(proxy.url('ws', '/ws')).toBe(`ws://127.0.0.1:${proxy.port}/ws`);
    const c = await open();
    c.socket.write('hello');
    await eventually(() => expect(c.received()).toBe('hello'));
    c.socket.destroy();
  });

  it('blackhole(): connections stay open and silent; pass() heals and the held bytes arrive', async () => {
    const before = await open();
    await proxy.blackhole();
    before.socket.write('during');
    const fresh = await open(); // accepted, as Docker's port proxy would
    fresh.socket.write('new');
    await sleep(300);
    expect(before.received()).toBe('');
    expect(fresh.received()).toBe('');
    expect(before.closed() || fresh.closed()).toBe(false);
    await proxy.pass();
    await eventually(() => expect(before.received()).toBe('during'));
    await eventually(() => expect(fresh.received()).toBe('new'));
    before.socket.destroy();
    fresh.socket.destroy();
  });

  it('refuse(): closes existing connections and refuses new ones; pass() listens again on the same port', async () => {
    const c = await open();
    await proxy.refuse();
    await eventually(() => expect(c.closed()).toBe(true));
    await expect(open()).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await proxy.pass();
    const again = await open();
    again.socket.write('back');
    await eventually(() => expect(again.received()).toBe('back'));
    again.socket.destroy();
  });

  it('reset(): existing connections die with a RST; new ones pass', async () => {
    const c = await open();
    c.socket.write('x');
    await eventually(() => expect(c.received()).toBe('x'));
    proxy.reset();
    await eventually(() => expect(c.closed()).toBe(true));
    expect(c.error()).toBe('ECONNRESET');
    const fresh = await open();
    fresh.socket.write('y');
    await eventually(() => expect(fresh.received()).toBe('y'));
    fresh.socket.destroy();
  });

  it('delay(ms): every chunk arrives that much later, in order', async () => {
    const c = await open();
    proxy.delay(150);
    const t0 = performance.now();
    c.socket.write('a');
    await sleep(20);
    c.socket.write('b');
    await eventually(() => expect(c.received()).toBe('ab'));
    // Up (150 ms) and down again (150 ms) through the proxy.
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
    await proxy.pass();
    c.socket.destroy();
  });

  it('cutAfter(n): the connection closes after exactly n more bytes', async () => {
    const c = await open();
    proxy.cutAfter(6); // 4 bytes up, then 2 of them back down: the echo is cut mid-way
    c.socket.write('abcd');
    await eventually(() => expect(c.closed()).toBe(true));
    expect(c.received()).toBe('ab');
    await proxy.pass();
    expect(proxy.connections).toBe(0);
  });
});
