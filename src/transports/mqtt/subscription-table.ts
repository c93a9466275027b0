/**
 * The client's subscriptions, grouped by MQTT topic filter. The broker knows one subscription per
 * filter and session: a second SUBSCRIBE to the same filter replaces the first (MQTT 3.1.1 §3.8.4,
 * MQTT 5 §3.8.4, subscription identifier included), and an UNSUBSCRIBE removes it for everyone. So the
 * table subscribes a filter once, routes its messages to every subscription on it, and unsubscribes
 * it only when its last subscription goes.
 */
import type { Delivery, DestinationKind } from '../../core/transport.js';

export interface Route {
  readonly id: string;
  readonly deliver: (delivery: Delivery) => void;
}

export interface FilterEntry {
  readonly filter: string;
  readonly kind: DestinationKind;
  /** MQTT 5 subscription identifier (§3.8.2.1.2): the broker names it on every PUBLISH it matched. */
  readonly identifier: number;
  /** Whether a unified name (of this entry's kind) falls under the filter, for brokers without identifiers. */
  readonly matches: (name: string) => boolean;
  readonly routes: Route[];
  /** Settles when the broker answered the SUBSCRIBE (SUBACK); later subscriptions on the filter wait for it. */
  ready: Promise<void> | undefined;
}

/** §3.8.2.1.2: a variable byte integer from 1 to 268 435 455. */
const MAX_IDENTIFIER = 268_435_455;

export class SubscriptionTable {
  readonly #byFilter = new Map<string, FilterEntry>();
  readonly #byIdentifier = new Map<number, FilterEntry>();
  readonly #byRoute = new Map<string, FilterEntry>();
  #nextIdentifier = 1;

  get size(): number {
    return this.#byRoute.size;
  }

  /** Adds a route; `created` is true when the filter is new and must be subscribed on the wire. */
  add(filter: string, kind: DestinationKind, matches: (name: string) => boolean, route: Route): { entry: FilterEntry; created: boolean } {
    const existing = this.#byFilter.get(filter);
    if (existing) {
      existing.routes.push(route);
      this.#byRoute.set(route.id, existing);
      return { entry: existing, created: false };
    }
    let identifier = this.#nextIdentifier;
    while (this.#byIdentifier.has(identifier)) identifier = identifier === MAX_IDENTIFIER ? 1 : identifier + 1;
    this.#nextIdentifier = identifier === MAX_IDENTIFIER ? 1 : identifier + 1;
    const entry: FilterEntry = { filter, kind, identifier, matches, routes: [route], ready: undefined };
    this.#byFilter.set(filter, entry);
    this.#byIdentifier.set(identifier, entry);
    this.#byRoute.set(route.id, entry);
    return { entry, created: true };
  }

  /** Removes a route; returns its filter entry when that was the filter's last route (unsubscribe it). */
  remove(routeId: string): FilterEntry | undefined {
    const entry = this.#byRoute.get(routeId);
    if (!entry) return undefined;
    this.#byRoute.delete(routeId);
    const index = entry.routes.findIndex((r) => r.id === routeId);
    if (index >= 0) entry.routes.splice(index, 1);
    if (entry.routes.length > 0) return undefined;
    this.#byFilter.delete(entry.filter);
    this.#byIdentifier.delete(entry.identifier);
    return entry;
  }

  byIdentifier(identifier: number): FilterEntry | undefined {
    return this.#byIdentifier.get(identifier);
  }

  entries(): IterableIterator<FilterEntry> {
    return this.#byFilter.values();
  }

  filters(): string[] {
    return [...this.#byFilter.keys()];
  }
}
