import { describe, expect, it } from 'vitest';
import { RecentDeliveries } from '../../src/core/recent-deliveries.js';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('RecentDeliveries', () => {
  it('flags nothing while the connection lasts, repeats included', () => {
    const recent = new RecentDeliveries();
    expect(recent.receive('a', bytes('1'))).toBe(false);
    expect(recent.receive('a', bytes('1'))).toBe(false);
  });

  it('after a failover, flags each repeat of what came before it, as many times as it came, and nothing new', () => {
    const recent = new RecentDeliveries();
    for (const body of ['1', '2', '2', '3']) recent.receive('orders', bytes(body));
    recent.failedOver();
    expect(recent.receive('orders', bytes('2'))).toBe(true);
    expect(recent.receive('orders', bytes('4'))).toBe(false);
    expect(recent.receive('other', bytes('3'))).toBe(false); // same bytes, another destination
    expect(recent.receive('orders', bytes('2'))).toBe(true);
    expect(recent.receive('orders', bytes('2'))).toBe(false); // came twice before, flagged twice
  });

  it('stops looking once as many deliveries as it remembered have passed', () => {
    const recent = new RecentDeliveries();
    for (const body of ['1', '2', '3']) recent.receive('q', bytes(body));
    recent.failedOver();
    for (const body of ['7', '8', '9']) expect(recent.receive('q', bytes(body))).toBe(false);
    expect(recent.receive('q', bytes('1'))).toBe(false);
  });

  it('keeps a failover in mind across the next one', () => {
    const recent = new RecentDeliveries();
    recent.receive('q', bytes('1'));
    recent.failedOver();
    recent.failedOver();
    expect(recent.receive('q', bytes('1'))).toBe(true);
  });

  it('remembers at most `count` deliveries, and at most `bytes` of the buffers they keep alive', () => {
    const byCount = new RecentDeliveries({ count: 2, bytes: 1 << 20 });
    for (const body of ['1', '2', '3']) byCount.receive('q', bytes(body));
    byCount.failedOver();
    expect(byCount.receive('q', bytes('1'))).toBe(false); // evicted
    expect(byCount.receive('q', bytes('3'))).toBe(true);

    const byBytes = new RecentDeliveries({ count: 100, bytes: 100 });
    const chunk = new Uint8Array(60); // two bodies viewing one 60-byte socket read count 60 bytes each
    chunk.set(bytes('ab'), 0);
    byBytes.receive('q', chunk.subarray(0, 1));
    byBytes.receive('q', chunk.subarray(1, 2));
    byBytes.failedOver(); // one remembered: the second view pushed the first out to stay within 100 bytes
    expect(byBytes.receive('q', bytes('b'))).toBe(true);
    byBytes.failedOver(); // remembered now: the view of 'b' and the copy just received
    expect(byBytes.receive('q', bytes('a'))).toBe(false);
    expect(byBytes.receive('q', bytes('b'))).toBe(true);
  });
});
