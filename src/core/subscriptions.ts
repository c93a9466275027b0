/**
 * Subscriptions and consumers as the client manages them: registering (with capability checks),
 * establishing on a connection, restoring them all after a failover, and cancelling. The registry
 * and per-entry dispatch live in subscription-registry.ts.
 */
import { ClosedError, ConnectionError, InvalidArgumentError, UnifiedMqError, UnsupportedError } from './errors.js';
import { hasWildcards, validatePattern } from './destination.js';
import type { ConnectionEpoch } from './message.js';
import { MessageQueue } from './message-stream.js';
import { SubscriptionEntry, SubscriptionRegistry, type Sink } from './subscription-registry.js';
import type { DestinationKind, Protocol } from './transport.js';
import type { Capabilities, Codec, Message, MessageHandler, SubscribeOptions } from './types.js';

/** A subscription or consumer without a handler: iterate it with `for await`. */
export interface MessageStream<T = unknown> extends AsyncIterable<Message<T>> {
  /** Unique within the client, and the same after a failover. */
  readonly id: string;
  /** The pattern or queue subscribed to. */
  readonly destination: string;
  /** Resolves once the subscription is established on the broker; rejects if it cannot be. */
  readonly ready: Promise<void>;
  /** Stops the subscription and ends the iteration. */
  close(): Promise<void>;
}

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  reject(error: Error): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

export interface SubscriptionsContext {
  readonly protocol: Protocol;
  readonly codec: Codec;
  capabilities(): Capabilities;
  /** The live connection, if any. */
  epoch(): ConnectionEpoch | undefined;
  isClosed(): boolean;
  onError(error: UnifiedMqError): void;
}

export class Subscriptions {
  readonly #registry = new SubscriptionRegistry();
  /** Entries not yet established for the first time, with the promise their caller awaits. */
  readonly #ready = new Map<SubscriptionEntry, Deferred>();
  readonly #context: SubscriptionsContext;

  constructor(context: SubscriptionsContext) {
    this.#context = context;
  }

  /** Re-creates every entry on a new connection. Resolves with how many there were. */
  async restore(epoch: ConnectionEpoch): Promise<number> {
    const entries = [...this.#registry.values()];
    await Promise.all(entries.map((entry) => this.#establish(entry, epoch)));
    return entries.length;
  }

  /** Ends every entry (client closed or failed). */
  endAll(error?: Error): void {
    for (const entry of [...this.#registry.values()]) {
      this.#registry.delete(entry);
      this.#end(entry, error);
    }
  }

  /** With a handler: resolves with the entry once established. Without: a MessageStream. */
  open<T>(
    kind: DestinationKind,
    pattern: string,
    handlerOrOptions: MessageHandler<T> | SubscribeOptions | undefined,
    maybeOptions: SubscribeOptions | undefined,
  ): Promise<SubscriptionEntry> | MessageStream<T> {
    if (typeof handlerOrOptions === 'function') {
      try {
        const entry = this.#register(kind, pattern, maybeOptions ?? {}, { handler: handlerOrOptions as MessageHandler });
        return this.#ready.get(entry)!.promise.then(() => entry);
      } catch (error) {
        return Promise.reject(error);
      }
    }
    const options = handlerOrOptions ?? {};
    let entry: SubscriptionEntry | undefined;
    const close = () => (entry ? this.cancel(entry) : Promise.resolve());
    const queue = new MessageQueue<T>((options.ack ?? 'auto') === 'auto', close);
    let ready: Promise<void>;
    try {
      entry = this.#register(kind, pattern, options, { queue: queue as MessageQueue<unknown> });
      ready = this.#ready.get(entry)!.promise;
    } catch (error) {
      queue.end(error as Error);
      ready = Promise.reject(error);
      ready.catch(() => undefined);
    }
    return { id: entry?.request.id ?? '', destination: pattern, ready, close, [Symbol.asyncIterator]: () => queue };
  }

  async cancel(entry: SubscriptionEntry): Promise<void> {
    if (entry.cancelled) return;
    this.#registry.delete(entry);
    this.#end(entry);
    const current = entry.current;
    entry.current = undefined;
    if (current?.epoch.alive) await current.subscription.unsubscribe();
  }

  #register(kind: DestinationKind, pattern: string, options: SubscribeOptions, sink: Sink): SubscriptionEntry {
    const context = this.#context;
    if (context.isClosed()) throw new ClosedError();
    validatePattern(pattern);
    const capabilities = context.capabilities();
    const protocol = context.protocol;
    if (kind === 'queue' && !capabilities.queues) {
      throw new UnsupportedError(`The ${protocol} transport has no queues on this broker; use topics, or the STOMP or AMQP transport for queues`);
    }
    if (hasWildcards(pattern) && kind === 'queue') throw new UnsupportedError('Queues cannot be consumed with wildcards; name one queue');
    if (hasWildcards(pattern) && !capabilities.wildcards) {
      throw new UnsupportedError(`The ${protocol} transport has no wildcard subscriptions on this broker; subscribe to each topic by name`);
    }
    if (options.durable !== undefined && !capabilities.durableSubscriptions) {
      throw new UnsupportedError(`The ${protocol} transport has no durable subscriptions on this broker; consume a queue instead`);
    }
    const prefetch = options.prefetch ?? 100;
    const concurrency = options.concurrency ?? 1;
    if (!Number.isInteger(prefetch) || prefetch < 1) throw InvalidArgumentError.format('prefetch', 'must be a positive integer');
    if (!Number.isInteger(concurrency) || concurrency < 1) throw InvalidArgumentError.format('concurrency', 'must be a positive integer');
    const ack = options.ack ?? 'auto';
    if (ack !== 'auto' && ack !== 'manual') throw InvalidArgumentError.format('ack', `must be 'auto' or 'manual'`);
    const entry = new SubscriptionEntry(
      this.#registry.nextId(kind === 'topic' ? 'sub' : 'con'),
      { kind, destination: pattern, ack, prefetch, durable: options.durable, concurrency, contentType: options.contentType },
      sink,
      context.codec,
      context.onError,
    );
    this.#ready.set(entry, deferred());
    this.#registry.add(entry);
    const epoch = context.epoch();
    if (epoch?.alive) void this.#establish(entry, epoch);
    return entry;
  }

  async #establish(entry: SubscriptionEntry, epoch: ConnectionEpoch): Promise<void> {
    try {
      const subscription = await epoch.connection.subscribe(entry.request, entry.deliverer(epoch));
      if (entry.cancelled || !epoch.alive) {
        if (epoch.alive) await subscription.unsubscribe().catch(() => undefined);
        return;
      }
      entry.current = { epoch, subscription };
      this.#ready.get(entry)?.resolve();
      this.#ready.delete(entry);
    } catch (error) {
      // Lost with the connection: restored on the next one.
      if (!epoch.alive || (error instanceof UnifiedMqError && error.retryable)) return;
      const failure = error instanceof UnifiedMqError ? error : new ConnectionError('Subscribing failed', { cause: error });
      const firstTime = this.#ready.has(entry);
      this.#registry.delete(entry);
      this.#end(entry, failure);
      if (!firstTime) this.#context.onError(failure);
    }
  }

  #end(entry: SubscriptionEntry, error?: Error): void {
    entry.cancelled = true;
    entry.clearBacklog();
    if ('queue' in entry.sink) entry.sink.queue.end(error);
    this.#ready.get(entry)?.reject(error ?? new ClosedError());
    this.#ready.delete(entry);
  }
}
