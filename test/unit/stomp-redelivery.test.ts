import { describe, expect, it } from 'vitest';
import { redeliveryDelay } from '../../src/transports/stomp/redelivery.js';

describe('ActiveMQ client-side redelivery (STOMP)', () => {
  it('redelivers a first requeue after delayMs, then backs off so that a handler that always fails does not spin', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((n) => redeliveryDelay(0, n))).toEqual([0, 50, 100, 200, 400, 800, 1600, 3200, 5000, 5000]);
    expect([1, 2, 3].map((n) => redeliveryDelay(1000, n))).toEqual([1000, 1000, 2000]);
    expect(redeliveryDelay(10_000, 5)).toBe(10_000); // a longer delay than the ceiling is kept
  });
});
