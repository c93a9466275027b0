/**
 * Shared arbitraries for the byte-parser fuzz tests: a byte stream cut into chunks at random points,
 * the way a socket may hand it over.
 */
import fc from 'fast-check';

/** Fixed run counts keep the whole fuzz project to a few seconds; failures print their seed to replay. */
export const RUNS = 200;

export { concat } from '../support/bytes.js';

/** Cuts `bytes` at the given points (any numbers; taken modulo the length, sorted, deduplicated). */
export function split(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((x, y) => x - y);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const point of [...points, bytes.length]) {
    if (point > start) chunks.push(bytes.slice(start, point));
    start = Math.max(start, point);
  }
  return chunks;
}

/** Random cut points: none (one chunk), a few, or many (down to single bytes). */
export const cuts = fc.oneof(
  fc.constant<number[]>([]),
  fc.array(fc.nat(), { maxLength: 8 }),
  fc.array(fc.nat(), { maxLength: 200 }),
);

export const randomBytes = fc.uint8Array({ maxLength: 2048 });

export function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  if (bytes.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
}
