/**
 * The persistent state that two in-memory brokers may share, like the KahaDB directory of an ActiveMQ
 * active/standby pair: queues and their messages, and the lock that decides which broker is active.
 */
import type { Headers } from '../../core/types.js';

/** @internal A message as a queue holds it. */
export interface StoredMessage {
  readonly destination: string;
  readonly bytes: Uint8Array;
  readonly headers: Headers;
  readonly messageId: string | undefined;
  readonly correlationId: string | undefined;
  readonly replyTo: string | undefined;
  readonly contentType: string | undefined;
  readonly priority: number | undefined;
  readonly expiresAt: number | undefined;
  readonly persistent: boolean;
  readonly possibleDuplicate: boolean;
  /** How many times the message was handed to a consumer. */
  deliveryCount: number;
}

/** @internal One queue: ready, unacknowledged and dead-lettered messages. */
export class QueueState {
  /** Ready messages, highest priority first, FIFO within a priority. */
  ready: StoredMessage[] = [];
  /** Delivered, not yet settled. */
  readonly unacked = new Set<StoredMessage>();
  /** Messages nacked without requeue. */
  readonly deadLetters: StoredMessage[] = [];

  enqueue(message: StoredMessage): void {
    const priority = message.priority ?? 4;
    const ready = this.ready;
    // Common case: no priorities in play, append.
    const last = ready[ready.length - 1];
    if (!last || (last.priority ?? 4) >= priority) {
      ready.push(message);
      return;
    }
    let index = ready.length;
    while (index > 0 && (ready[index - 1]!.priority ?? 4) < priority) index--;
    ready.splice(index, 0, message);
  }

  /** Puts messages back in front (unacked at a connection loss, or nacked with requeue). */
  requeue(messages: readonly StoredMessage[]): void {
    if (messages.length === 0) return;
    this.ready = [...messages, ...this.ready];
  }

  /** What survives a broker crash: persistent messages, unacked ones back in front. */
  survive(): void {
    const unacked = [...this.unacked].filter((m) => m.persistent);
    this.unacked.clear();
    this.ready = [...unacked, ...this.ready.filter((m) => m.persistent)];
  }
}

/** @internal A broker, as the store's lock sees it. */
export interface StoreHolder {
  readonly name: string;
  /** Called when the store was handed to this waiting broker. */
  takeOver(): void;
}

/**
 * The persistent state of in-memory brokers: queues, their persistent messages, and the lock that makes
 * one of two brokers sharing it active and the other standby.
 */
export class MemoryStore {
  /** @internal */
  readonly queues = new Map<string, QueueState>();
  #holder: StoreHolder | undefined;
  readonly #waiting: StoreHolder[] = [];
  /** How long a standby takes to notice that the lock is free (ActiveMQ: lockAcquireSleepInterval). */
  readonly takeoverDelayMs: number;

  /** @param options - `takeoverDelayMs`: how long a standby takes to take over a released store (default 0). */
  constructor(options?: { takeoverDelayMs?: number }) {
    this.takeoverDelayMs = options?.takeoverDelayMs ?? 0;
  }

  /** The name of the broker holding the store (the active one), if any. */
  get holder(): string | undefined {
    return this.#holder?.name;
  }

  /** @internal */
  queue(name: string): QueueState {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new QueueState();
      this.queues.set(name, queue);
    }
    return queue;
  }

  /** @internal Takes the lock if it is free; otherwise waits in line for it. */
  acquire(broker: StoreHolder): boolean {
    if (this.#holder === undefined || this.#holder === broker) {
      this.#holder = broker;
      return true;
    }
    if (!this.#waiting.includes(broker)) this.#waiting.push(broker);
    return false;
  }

  /** @internal Leaves the line or gives the lock up; the next broker in line takes over. */
  release(broker: StoreHolder): void {
    const index = this.#waiting.indexOf(broker);
    if (index >= 0) this.#waiting.splice(index, 1);
    if (this.#holder !== broker) return;
    this.#holder = undefined;
    for (const queue of this.queues.values()) queue.survive();
    setTimeout(() => {
      const next = this.#waiting.shift();
      if (!next || this.#holder !== undefined) return;
      this.#holder = next;
      next.takeOver();
    }, this.takeoverDelayMs);
  }
}
