/**
 * Flags, after a failover, the deliveries that repeat one of the last deliveries a subscription received
 * before it: they are possible duplicates even when the broker does not say so.
 *
 * Why: a standby that takes over a shared store dispatches again what the dead broker had delivered but
 * not yet recorded as acknowledged, and not every broker marks those redelivered. ActiveMQ's MQTT
 * durable subscriptions come back without the DUP flag: on the ActiveMQ pair, 1 to 48 of 10 000
 * messages per fault arrived twice with no flag (test/failover/activemq-pair.ts). The client
 * cannot know which of its acks the dead broker recorded, so it remembers what it received last and
 * flags a repeat of it. A false match (the same bytes on the same destination, published again right
 * after a failover) only sets `possibleDuplicate` on a message that a consumer de-duplicating by
 * `messageId` then keeps.
 *
 * Cost: while connected, one slot written per delivery (a reference to its bytes: no copy, no hash,
 * no allocation); what the references keep alive is bounded by `bytes`, counted by underlying buffer. After a failover: the remembered bytes are hashed once, then each of the next
 * deliveries is hashed and looked up, until every remembered one was matched or as many deliveries
 * as were remembered have passed.
 *
 * A second rule covers the copy that comes after its flagged one. A producer re-sends what was not
 * confirmed when its connection dropped, flagged; the original it sent on the dropped connection may
 * still reach the queue after that, unflagged: the broker was yet to take it off the dead socket (on
 * one RabbitMQ, 473 of 2000 per failover under load), or it was on the broker that went down and comes
 * back when that broker does. So a subscription remembers the `messageId` of every flagged delivery it
 * received (re-sent or redelivered), and flags the next delivery with that id. Only flagged deliveries
 * are remembered, at most `flaggedIds` of them, the oldest forgotten first.
 */

/** How many deliveries, and how many bytes of them, a subscription remembers. */
export interface RecentDeliveriesLimits {
  count: number;
  bytes: number;
  /** How many `messageId`s of flagged deliveries it remembers. */
  flaggedIds: number;
}

export const RECENT_DELIVERIES_DEFAULTS: RecentDeliveriesLimits = { count: 1024, bytes: 8 * 1024 * 1024, flaggedIds: 16_384 };

export class RecentDeliveries {
  readonly #limits: RecentDeliveriesLimits;
  readonly #destinations: string[];
  readonly #bodies: Uint8Array[];
  /** Ring: the oldest entry is at #start; #size entries; #bytes bytes retained. */
  #start = 0;
  #size = 0;
  #bytes = 0;
  /** After a failover: fingerprints of what was remembered, with how many times each is still expected. */
  #suspects: Map<string, number> | undefined;
  #checksLeft = 0;
  /** `messageId`s of flagged deliveries, oldest first, whose other copy has not come yet. */
  readonly #flaggedIds = new Set<string>();

  constructor(limits: RecentDeliveriesLimits = RECENT_DELIVERIES_DEFAULTS) {
    this.#limits = limits;
    this.#destinations = new Array<string>(limits.count);
    this.#bodies = new Array<Uint8Array>(limits.count);
  }

  /**
   * Records a delivery; returns true when it repeats one received before the last failover, or carries
   * the `messageId` of a flagged delivery received before it. `flagged`: the broker or the producer
   * marked it as a possible duplicate.
   */
  receive(destination: string, bytes: Uint8Array, messageId?: string, flagged = false): boolean {
    let repeat = this.#suspects !== undefined && this.#check(destination, bytes);
    if (messageId !== undefined) repeat = this.#checkId(messageId, flagged) || repeat;
    this.#remember(destination, bytes);
    return repeat;
  }

  #checkId(messageId: string, flagged: boolean): boolean {
    const ids = this.#flaggedIds;
    if (flagged) {
      if (this.#limits.flaggedIds === 0) return false;
      ids.delete(messageId);
      if (ids.size === this.#limits.flaggedIds) ids.delete(ids.values().next().value!);
      ids.add(messageId);
      return false;
    }
    return ids.size > 0 && ids.delete(messageId);
  }

  /** The subscription was restored on a new connection: what comes next may repeat what came before. */
  failedOver(): void {
    if (this.#size === 0) return;
    const suspects = new Map<string, number>();
    const capacity = this.#limits.count;
    for (let k = 0; k < this.#size; k++) {
      const i = (this.#start + k) % capacity;
      const key = fingerprint(this.#destinations[i]!, this.#bodies[i]!);
      suspects.set(key, (suspects.get(key) ?? 0) + 1);
    }
    this.#suspects = suspects;
    this.#checksLeft = this.#size;
  }

  #check(destination: string, bytes: Uint8Array): boolean {
    const suspects = this.#suspects!;
    const key = fingerprint(destination, bytes);
    const expected = suspects.get(key);
    if (expected !== undefined) {
      if (expected === 1) suspects.delete(key);
      else suspects.set(key, expected - 1);
    }
    if (--this.#checksLeft === 0 || suspects.size === 0) this.#suspects = undefined;
    return expected !== undefined;
  }

  #remember(destination: string, bytes: Uint8Array): void {
    const { count, bytes: maxBytes } = this.#limits;
    // A body may be a view into a larger buffer (a whole socket read): count what it keeps alive.
    const held = bytes.buffer.byteLength;
    if (count === 0 || held > maxBytes) return;
    while (this.#size > 0 && (this.#size === count || this.#bytes + held > maxBytes)) {
      this.#bytes -= this.#bodies[this.#start]!.buffer.byteLength;
      this.#bodies[this.#start] = EMPTY; // let the old body go
      this.#start = (this.#start + 1) % count;
      this.#size--;
    }
    const i = (this.#start + this.#size) % count;
    this.#destinations[i] = destination;
    this.#bodies[i] = bytes;
    this.#size++;
    this.#bytes += held;
  }
}

const EMPTY = new Uint8Array(0);

/** Destination, length and a 32-bit FNV-1a hash of the bytes. */
function fingerprint(destination: string, bytes: Uint8Array): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    hash ^= bytes[i]!;
    hash = Math.imul(hash, 0x01000193);
  }
  return `${bytes.length}:${hash >>> 0}:${destination}`;
}
