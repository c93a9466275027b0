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
    const byCount = new RecentDeliveries({ count: 2, bytes: 1 << 20, flaggedIds: 0 });
    for (const body of ['1', '2', '3']) byCount.receive('q', bytes(body));
    byCount.failedOver();
    expect(byCount.receive('q', bytes('1'))).toBe(false); // evicted
    expect(byCount.receive('q', bytes('3'))).toBe(true);

    const byBytes = new RecentDeliveries({ count: 100, bytes: 100, flaggedIds: 0 });
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

  it('flags the copy that comes after a flagged one with its messageId, once, with or without a failover', () => {
    const recent = new RecentDeliveries();
    expect(recent.receive('q', bytes('7'), 'id-7', true)).toBe(false); // the re-send, flagged by its producer
    expect(recent.receive('q', bytes('8'), 'id-8')).toBe(false);
    expect(recent.receive('q', bytes('7'), 'id-7')).toBe(true); // the original, late: unflagged by the broker
    expect(recent.receive('q', bytes('7'), 'id-7')).toBe(false); // the pair is complete
    expect(recent.receive('q', bytes('9'), undefined, true)).toBe(false); // no id: nothing to remember
  });

  it('remembers at most `flaggedIds` ids of flagged deliveries, forgetting the oldest first', () => {
    const recent = new RecentDeliveries({ count: 16, bytes: 1 << 20, flaggedIds: 2 });
    for (const id of ['a', 'b', 'a', 'c']) recent.receive('q', bytes(id), id, true); // 'a' again: now newer than 'b'
    expect(recent.receive('q', bytes('b'), 'b')).toBe(false); // forgotten
    expect(recent.receive('q', bytes('a'), 'a')).toBe(true);
    expect(recent.receive('q', bytes('c'), 'c')).toBe(true);
  });
});
