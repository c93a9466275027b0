/**
 * The bounded FIFO that holds publishes while no connection is up. Bounds are on count and bytes.
 * Re-sends of in-flight messages go in front and bypass the bounds: they were accepted already.
 */
import { BufferOverflowError } from './errors.js';

export interface Buffered {
  readonly size: number;
  reject(error: Error): void;
}

export interface OfflineBufferLimits {
  maxMessages: number;
  maxBytes: number;
  overflow: 'reject' | 'drop-oldest';
}

export class OfflineBuffer<T extends Buffered> {
  #items: T[] = [];
  #head = 0;
  #bytes = 0;
  readonly #limits: OfflineBufferLimits;

  constructor(limits: OfflineBufferLimits) {
    this.#limits = limits;
  }

  get length(): number { return this.#items.length - this.#head; }
  get bytes(): number { return this.#bytes; }

  /** Adds at the tail; on overflow rejects `item` ('reject') or evicts the oldest ('drop-oldest'). */
  push(item: T): boolean {
    const { maxMessages, maxBytes, overflow } = this.#limits;
    if (item.size > maxBytes) {
      item.reject(new BufferOverflowError(`The message (${item.size} bytes) is larger than the offline buffer (buffer.maxBytes = ${maxBytes})`));
      return false;
    }
    while (this.length + 1 > maxMessages || this.#bytes + item.size > maxBytes) {
      if (overflow === 'reject' || this.length === 0) {
        item.reject(new BufferOverflowError(
          `The offline buffer is full (${this.length} messages, ${this.#bytes} bytes; limits ${maxMessages} messages, ` +
            `${maxBytes} bytes) while the client is disconnected; wait for the 'connected' event, raise buffer limits, or use overflow: 'drop-oldest'`,
        ));
        return false;
      }
      this.shift()!.reject(new BufferOverflowError('Dropped from the full offline buffer by a newer message (overflow: drop-oldest)'));
    }
    this.#items.push(item);
    this.#bytes += item.size;
    return true;
  }

  /** Puts items back in front, in the given order (re-sends after a failover). */
  unshift(items: readonly T[]): void {
    if (items.length === 0) return;
    const rest = this.#items.slice(this.#head);
    this.#items = [...items, ...rest];
    this.#head = 0;
    for (const item of items) this.#bytes += item.size;
  }

  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head]!;
    this.#items[this.#head] = undefined as unknown as T;
    this.#head++;
    this.#bytes -= item.size;
    // Compact now and then instead of Array#shift (O(n) per call).
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  /** Removes one item wherever it is (a publish that timed out while waiting). */
  remove(item: T): boolean {
    const index = this.#items.indexOf(item, this.#head);
    if (index < 0) return false;
    this.#items.splice(index, 1);
    this.#bytes -= item.size;
    return true;
  }

  drain(): T[] {
    const items = this.#items.slice(this.#head);
    this.#items = [];
    this.#head = 0;
    this.#bytes = 0;
    return items;
  }
}
