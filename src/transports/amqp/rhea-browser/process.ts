/**
 * Node's `process` as rhea reads it, for the browser build only (the build hands it to rhea's modules;
 * no global is set).
 * - `nextTick`: rhea defers its frame processing with it. A microtask keeps that as prompt as in Node;
 *   the `process` package defers with setTimeout, which browsers clamp to 4 ms once nested.
 * - `env`, `cwd`, `version`: rhea reads them only to find a connect.json file when it is given no
 *   connection options, and to pick a server's listen() signature. This transport always gives options
 *   and never listens.
 */
export const env: Record<string, string | undefined> = {};
export const version = '';

export function cwd(): string {
  return '/';
}

export function nextTick(callback: (...args: unknown[]) => void, ...args: unknown[]): void {
  queueMicrotask(() => callback(...args));
}
