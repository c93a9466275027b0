/**
 * The registry of subscriptions and consumers. Each entry outlives connections: after a failover the
 * client re-establishes every entry on the new connection (`restore`). Each entry also dispatches its
 * deliveries to the user's handler, at most `concurrency` at a time, in the broker's order.
 */
import type { BodyDecoding, ConnectionEpoch, SettleListener } from './message.js';
import { ReceivedMessage } from './message.js';
import type { MessageQueue } from './message-stream.js';
import { SETTLED, type Delivery, type DestinationKind, type SubscriptionRequest, type TransportSubscription } from './transport.js';
import type { AckMode, Codec, MessageHandler } from './types.js';
import type { UnifiedMqError } from './errors.js';
import { UnifiedMqError as BaseError } from './errors.js';
import { RecentDeliveries } from './recent-deliveries.js';

export interface EntryOptions {
  kind: DestinationKind;
  destination: string;
  ack: AckMode;
  prefetch: number;
  durable: string | undefined;
  concurrency: number;
  /** Decodes `body` when a message carries no content type. */
  contentType: string | undefined;
}

export type Sink<T = unknown> = { handler: MessageHandler<T> } | { queue: MessageQueue<T> };

/**
 * One subscription or consumer. Deliveries reach the handler at most `concurrency` at a time and with
 * at most `prefetch` unsettled: the broker enforces prefetch where its protocol can (STOMP, AMQP), and
 * this window enforces it for the application everywhere (MQTT has no per-subscription prefetch).
 */
export class SubscriptionEntry implements SettleListener {
  readonly request: SubscriptionRequest;
  readonly options: EntryOptions;
  readonly sink: Sink;
  /** The subscription on the current connection, if established there. */
  current: { epoch: ConnectionEpoch; subscription: TransportSubscription } | undefined;
  cancelled = false;

  #backlog: ReceivedMessage[] = [];
  #running = 0;
  #unsettled = 0;
  /** What arrived last, to flag repeats after a failover that the broker does not mark (./recent-deliveries.ts). */
  readonly #recent = new RecentDeliveries();
  readonly #decoding: BodyDecoding;
  readonly #onError: (error: UnifiedMqError) => void;

  constructor(id: string, options: EntryOptions, sink: Sink, codec: Codec, onError: (error: UnifiedMqError) => void) {
    this.options = options;
    this.sink = sink;
    this.#decoding = { codec, contentType: options.contentType };
    this.#onError = onError;
    this.request = {
      id,
      kind: options.kind,
      destination: options.destination,
      prefetch: options.prefetch,
      durable: options.durable,
      settle: true,
    };
  }

  /** The transport's deliver callback for one connection. */
  deliverer(epoch: ConnectionEpoch): (delivery: Delivery) => void {
    // Established on an earlier connection: this one is a restore after a failover.
    if (this.current) this.#recent.failedOver();
    return (delivery) => {
      epoch.delivered = true;
      if (this.cancelled) return;
      const flagged = delivery.redelivered || delivery.possibleDuplicate;
      const repeat = this.#recent.receive(delivery.destination, delivery.bytes, delivery.messageId, flagged);
      const sink = this.sink;
      if ('queue' in sink) {
        sink.queue.push(new ReceivedMessage(delivery, epoch, this.#decoding, undefined, repeat));
        return;
      }
      const message = new ReceivedMessage(delivery, epoch, this.#decoding, this, repeat);
      if (this.#running < this.options.concurrency && this.#unsettled < this.options.prefetch) this.#run(sink.handler, message);
      else this.#backlog.push(message);
    };
  }

  /** A message handed to the handler was acked or nacked. */
  settled(): void {
    this.#unsettled--;
    this.#pump();
  }

  #pump(): void {
    const sink = this.sink;
    if (!('handler' in sink)) return;
    while (this.#backlog.length > 0 && !this.cancelled && this.#running < this.options.concurrency && this.#unsettled < this.options.prefetch) {
      this.#run(sink.handler, this.#backlog.shift()!);
    }
  }

  #run(handler: MessageHandler, message: ReceivedMessage): void {
    this.#running++;
    this.#unsettled++;
    let result: void | Promise<void>;
    try {
      result = handler(message);
    } catch (error) {
      this.#finish(handler, message, error, true);
      return;
    }
    if (result && typeof (result as Promise<void>).then === 'function') {
      (result as Promise<void>).then(
        () => this.#finish(handler, message, undefined, false),
        (error: unknown) => this.#finish(handler, message, error, true),
      );
    } else {
      this.#finish(handler, message, undefined, false);
    }
  }

  #finish(handler: MessageHandler, message: ReceivedMessage, error: unknown, failed: boolean): void {
    this.#running--;
    if (failed) {
      this.#onError(wrapHandlerError(error, this.options.destination));
    }
    if (this.options.ack === 'auto' && !message.settled) {
      const settle = failed ? message.nack({ requeue: true }) : message.ack();
      if (settle !== SETTLED) settle.catch((e: unknown) => this.#onError(wrapHandlerError(e, this.options.destination)));
      // A transport without nack leaves the message unsettled (the broker redelivers it after the
      // session resumes); the handler is done with it, so it no longer counts against prefetch.
      if (!message.settled) this.settled();
    }
    this.#pump();
  }

  /** Drops deliveries not yet handled (on cancel): the broker redelivers what was not acked. */
  clearBacklog(): void {
    this.#backlog = [];
  }
}

function wrapHandlerError(error: unknown, destination: string): UnifiedMqError {
  if (error instanceof BaseError) return error;
  const wrapped = new BaseError('REJECTED', `A message handler for ${JSON.stringify(destination)} failed; the message was nacked for redelivery`, {
    cause: error,
  });
  return wrapped;
}

export class SubscriptionRegistry {
  readonly #entries = new Map<string, SubscriptionEntry>();
  #nextId = 1;

  nextId(prefix: string): string {
    return `${prefix}-${this.#nextId++}`;
  }

  add(entry: SubscriptionEntry): void {
    this.#entries.set(entry.request.id, entry);
  }

  delete(entry: SubscriptionEntry): void {
    this.#entries.delete(entry.request.id);
  }

  get size(): number {
    return this.#entries.size;
  }

  values(): IterableIterator<SubscriptionEntry> {
    return this.#entries.values();
  }
}
