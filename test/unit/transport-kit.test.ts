/**
 * The transport kit (src/transports/kit): the plumbing every transport shares. Each transport's own tests
 * cover it on real brokers; here are the edges: URLs, TLS defaults, the scheme check and the watchdog's bounds.
 */
import { Duplex } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseEndpoint } from '../../src/core/endpoints.js';
import { UnsupportedError } from '../../src/core/errors.js';
import type { TransportConnection } from '../../src/core/transport.js';
import { defineTransport } from '../../src/transports/kit/define-transport.js';
import { READ_BOUND, tickWriter } from '../../src/transports/kit/tick-writer.node.js';
import { nodeTlsOptions } from '../../src/transports/kit/tls.node.js';
import { startSilenceWatchdog } from '../../src/transports/kit/watchdog.js';
import { webSocketUrl } from '../../src/transports/kit/web-socket-url.js';

describe('webSocketUrl', () => {
  it('drops credentials, keeps the port only when given, the path or /, and the query', () => {
    expect(webSocketUrl(parseEndpoint('wss://app:secret@b-1.example:15673/ws'))).toBe('wss://b-1.example:15673/ws');
    expect(webSocketUrl(parseEndpoint('ws://broker'))).toBe('ws://broker/');
    expect(webSocketUrl(parseEndpoint('wss://broker/mqtt?token=a%20b&x=1'))).toBe('wss://broker/mqtt?token=a+b&x=1');
    expect(webSocketUrl(parseEndpoint('ws://[::1]:15675/ws'))).toBe('ws://[::1]:15675/ws');
  });
});

describe('nodeTlsOptions', () => {
  it('verifies unless told not to, and sends SNI for host names only', () => {
    expect(nodeTlsOptions('b-1.example', undefined)).toMatchObject({ rejectUnauthorized: true, servername: 'b-1.example' });
    expect(nodeTlsOptions('10.0.0.1', undefined)).not.toHaveProperty('servername');
    expect(nodeTlsOptions('::1', { servername: 'broker.internal' })).toMatchObject({ servername: 'broker.internal' });
    expect(nodeTlsOptions('b-1.example', { rejectUnauthorized: false }).rejectUnauthorized).toBe(false);
  });
});

describe('tickWriter', () => {
  /** A socket that records each batch it is handed (a writev, or a lone write); emit 'data' to have it read. */
  function recorder(highWaterMark?: number) {
    const batches: string[][] = [];
    const sink = new Duplex({
      ...(highWaterMark !== undefined && { writableHighWaterMark: highWaterMark }),
      read() {},
      writev(chunks, callback) {
        batches.push(chunks.map(({ chunk }) => String(chunk)));
        callback();
      },
      write(chunk, _encoding, callback) {
        batches.push([String(chunk)]);
        callback();
      },
    });
    return { sink, batches };
  }

  it('hands what one turn of the event loop writes over in one writev, in order, and the next turn on its own', async () => {
    const { sink, batches } = recorder();
    const write = tickWriter(sink);
    write('a');
    process.nextTick(() => write('b'));
    await new Promise((resolve) => process.nextTick(resolve));
    write('c');
    expect(batches).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    write('d');
    await new Promise((resolve) => setImmediate(resolve));
    expect(batches).toEqual([['a', 'b', 'c'], ['d']]);
  });

  it('once the buffer is full, lets the corked bytes go at once and says so, so that the writer waits for a drain that comes', async () => {
    const { sink, batches } = recorder(8);
    const write = tickWriter(sink);
    expect(write('abc')).toBe(true);
    expect(write('defghi')).toBe(false);
    expect(batches).toEqual([['abc', 'defghi']]);
    await new Promise((resolve) => sink.once('drain', resolve));
    expect(write('j')).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    expect(batches).toEqual([['abc', 'defghi'], ['j']]);
  });

  it('lets held writes go once the process has read READ_BOUND bytes since the first was held, on any of its sockets', async () => {
    const acks = recorder();
    const publishes = recorder();
    const writeAck = tickWriter(acks.sink);
    const publish = tickWriter(publishes.sink);
    writeAck('ack 1');
    acks.sink.emit('data', Buffer.alloc(READ_BOUND / 2));
    publish('publish 1');
    acks.sink.emit('data', Buffer.alloc(READ_BOUND / 2 - 1));
    expect([acks.batches, publishes.batches]).toEqual([[], []]);
    // The read that reaches the bound lets both go: a consumer's read frees the publisher's window too.
    publishes.sink.emit('data', Buffer.alloc(1));
    expect([acks.batches, publishes.batches]).toEqual([[['ack 1']], [['publish 1']]]);
    // The count starts again with the next held write.
    writeAck('ack 2');
    acks.sink.emit('data', Buffer.alloc(READ_BOUND - 1));
    writeAck('ack 3');
    expect(acks.batches).toEqual([['ack 1']]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(acks.batches).toEqual([['ack 1'], ['ack 2', 'ack 3']]);
  });
});

describe('defineTransport', () => {
  it('refuses an endpoint of another scheme with UnsupportedError naming the ones it serves, without opening', async () => {
    const open = vi.fn(async () => ({}) as TransportConnection);
    const transport = defineTransport({ protocol: 'stomp', name: 'STOMP', schemes: ['stomp', 'ws'], open });
    const failure = await transport.open(parseEndpoint('mqtt://u:pw@a:1883'), {} as never).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(UnsupportedError);
    expect((failure as Error).message).toBe('The STOMP transport serves stomp://, ws:// endpoints, not mqtt:// (mqtt://u:***@a:1883)');
    expect(open).not.toHaveBeenCalled();
  });
});

describe('startSilenceWatchdog', () => {
  afterEach(() => void vi.useRealTimers());

  it('declares the peer dead once, between deadAfterMs and deadAfterMs + checkEveryMs of silence, and pings once per silence', () => {
    vi.useFakeTimers({ now: 0 });
    let heardAt = 0;
    const pings: number[] = [];
    const dead: number[] = [];
    startSilenceWatchdog({
      deadAfterMs: 1000,
      checkEveryMs: 125,
      lastHeardAt: () => heardAt,
      onDead: (silentMs) => dead.push(silentMs),
      ping: { afterMs: 250, send: () => pings.push(Date.now()) },
    });
    vi.advanceTimersByTime(400);
    expect(pings).toEqual([250]);
    heardAt = 400; // an answer: a new silence starts
    vi.advanceTimersByTime(400);
    expect(pings).toEqual([250, 750]);
    vi.advanceTimersByTime(5000);
    expect(dead).toHaveLength(1);
    expect(dead[0]).toBeGreaterThanOrEqual(1000);
    expect(dead[0]).toBeLessThanOrEqual(1000 + 125);
    expect(pings).toEqual([250, 750]);
  });

  it('stays quiet while the peer is heard from, and stops when told to', () => {
    vi.useFakeTimers({ now: 0 });
    const onDead = vi.fn();
    const watchdog = startSilenceWatchdog({ deadAfterMs: 100, checkEveryMs: 20, lastHeardAt: () => Date.now() - 50, onDead });
    vi.advanceTimersByTime(1000);
    expect(onDead).not.toHaveBeenCalled();
    watchdog.stop();
    expect(vi.getTimerCount()).toBe(0);
  });
});
