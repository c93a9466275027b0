/**
 * Header maps built from what a peer sent. A header may be called anything, `__proto__` included: a plain
 * assignment of that name would set the object's prototype (or do nothing) instead of adding the header,
 * so every transport adds decoded headers through here.
 */
import type { Headers } from './types.js';

export function setHeader(headers: Headers, name: string, value: string): void {
  if (name === '__proto__') Object.defineProperty(headers, name, { value, enumerable: true, writable: true, configurable: true });
  else headers[name] = value;
}
