import { describe, expect, it } from 'vitest';
import { connect, InvalidArgumentError, parseEndpoints } from '../../src/index.js';
import { memory } from '../../src/transports/memory/index.js';

describe('endpoint parsing', () => {
  it('parses a list, active first', () => {
    const { endpoints } = parseEndpoints(['stomp+ssl://b-1.example:61614', 'stomp+ssl://b-2.example:61614']);
    expect(endpoints.map((e) => [e.scheme, e.host, e.port, e.secure])).toEqual([
      ['stomp+ssl', 'b-1.example', 61614, true],
      ['stomp+ssl', 'b-2.example', 61614, true],
    ]);
  });

  it('parses an ActiveMQ failover URI with its option names', () => {
    const parsed = parseEndpoints(
      'failover:(stomp://a:61613,stomp://b:61613?x=1)?randomize=false&initialReconnectDelay=10&maxReconnectDelay=5000' +
        '&reconnectDelayExponent=3&maxReconnectAttempts=-1&startupMaxReconnectAttempts=4&priorityBackup=true&timeout=3000',
    );
    expect(parsed.endpoints.map((e) => e.display)).toEqual(['stomp://a:61613', 'stomp://b:61613?x=1']);
    expect(parsed.endpoints[1]!.params.get('x')).toBe('1');
    expect(parsed.failover).toEqual({
      randomize: false, initialDelayMs: 10, maxDelayMs: 5000, multiplier: 3, maxAttempts: Infinity,
      startupMaxAttempts: 4, priorityBackup: true,
    });
    expect(parsed.publishTimeoutMs).toBe(3000);
  });

  it('maps useExponentialBackOff=false to a constant delay', () => {
    expect(parseEndpoints('failover:(mqtt://a:1883)?useExponentialBackOff=false').failover.multiplier).toBe(1);
  });

  it('rejects unknown failover options, naming the supported ones', () => {
    expect(() => parseEndpoints('failover:(mqtt://a:1883)?bogus=1')).toThrow(/bogus.*supported: randomize/);
  });

  it('never shows a password in a parse error or a display string', () => {
    const { endpoints } = parseEndpoints(['mqtt://app:s3cret@host:1883']);
    expect(endpoints[0]!.display).toBe('mqtt://app:***@host:1883');
    expect(endpoints[0]!.password).toBe('s3cret');
    try {
      parseEndpoints(['mqtt://app:s3cret@']);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect(String((error as Error).message)).not.toContain('s3cret');
    }
  });

  it('hides passwords holding spaces, @ or / in display strings, errors and their causes', () => {
    const shown = (url: string) => parseEndpoints([url]).endpoints[0]!.display;
    expect(shown('stomp://user:pa ss@host:61613')).toBe('stomp://user:***@host:61613');
    expect(shown('mqtt://user:p@ss@host:1883')).toBe('mqtt://user:***@host:1883');
    expect(shown('mqtt://user:p%40ss@host:1883')).toBe('mqtt://user:***@host:1883');
    for (const bad of ['mqtt://user:pa/ss@host:1883', 'failover:(mqtt://user:pa/ss@a:1883', 'mqtt://user:pass@']) {
      let error: unknown;
      try {
        parseEndpoints(bad.startsWith('failover:') ? bad : [bad]);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InvalidArgumentError);
      const everything = JSON.stringify(error, Object.getOwnPropertyNames(error)) + String((error as Error).cause ?? '');
      expect(everything).not.toMatch(/pa\/ss|pass/);
    }
  });

  it('rejects a scheme the transport cannot serve at connect, without hanging', async () => {
    await expect(connect({ transport: memory(), endpoints: ['mqtt://localhost:1883'] })).rejects.toThrow(
      /scheme "mqtt:".*memory transport cannot serve; use one of: memory:\/\//,
    );
  });

  it('rejects bad option values with a typed error', async () => {
    await expect(
      connect({ transport: memory(), endpoints: ['memory://x'], failover: { jitter: 3 } }),
    ).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(connect({ transport: memory(), endpoints: ['not a url'] })).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});
