import { describe, expect, it } from 'vitest';
import { InvalidDestinationError } from '../../src/index.js';
import { mapDestination, matcher, validateName, validatePattern } from '../../src/core/destination.js';
import { fromTopic, toTopic } from '../../src/transports/mqtt/topics.js';

describe('destinations', () => {
  it('accepts dotted names and patterns', () => {
    expect(validateName('orders.eu.created')).toBe('orders.eu.created');
    expect(validatePattern('orders.*.created')).toBe('orders.*.created');
    expect(validatePattern('orders.#')).toBe('orders.#');
    expect(validatePattern('#')).toBe('#');
  });

  it.each([
    ['', /empty/],
    ['a..b', /segment 2 is empty/],
    ['.a', /segment 1 is empty/],
    ['a.', /segment 2 is empty/],
    ['a/b', /"\/" is not allowed/],
    ['a+b', /not allowed/],
    ['a\u0000b', /not allowed/],
    ['a.*', /only allowed in subscriptions/],
    ['a.#', /only allowed in subscriptions/],
  ])('rejects the name %j', (name, reason) => {
    expect(() => validateName(name)).toThrow(InvalidDestinationError);
    expect(() => validateName(name)).toThrow(reason);
  });

  it('checks every name it has not just passed, whatever came before (it remembers only the last good one)', () => {
    expect(() => validateName(undefined)).toThrow(/must be a string/);
    expect(validateName('a.b')).toBe('a.b');
    expect(validateName('a.b')).toBe('a.b');
    expect(() => validateName('a..b')).toThrow(/segment 2 is empty/);
    expect(() => validateName(undefined)).toThrow(/must be a string/);
    expect(() => validateName('')).toThrow(/empty/);
    expect(validateName('a.b')).toBe('a.b');
    // The MQTT mapping remembers its last name the same way.
    expect([toTopic('a.b'), toTopic('a.b'), fromTopic('a/b'), fromTopic('a/b')]).toEqual(['a/b', 'a/b', 'a.b', 'a.b']);
    expect(() => toTopic('$SYS.x')).toThrow(InvalidDestinationError);
    expect(() => toTopic('')).toThrow(InvalidDestinationError);
    expect([toTopic('a.b'), fromTopic('')]).toEqual(['a/b', '']);
  });

  it.each([
    ['a.#.b', /# is only allowed as the last segment/],
    ['a.b*', /must stand alone/],
    ['a.*b.c', /must stand alone/],
  ])('rejects the pattern %j', (pattern, reason) => {
    expect(() => validatePattern(pattern)).toThrow(reason);
  });

  it('matches * to one segment and # to zero or more trailing segments', () => {
    const star = matcher('orders.*.created');
    expect([star('orders.eu.created'), star('orders.created'), star('orders.eu.x.created')]).toEqual([true, false, false]);
    const hash = matcher('orders.#');
    expect([hash('orders'), hash('orders.eu'), hash('orders.eu.created'), hash('order')]).toEqual([true, true, true, false]);
  });

  it('maps to protocol dialects', () => {
    expect(mapDestination('orders.*.#', '/', '+', '#')).toBe('orders/+/#');
    expect(mapDestination('orders.*.#', '.', '*', '>')).toBe('orders.*.>');
    expect(mapDestination('orders.eu', '/', '+', '#')).toBe('orders/eu');
  });
});
