/**
 * The publish pipeline. A publish is written at once when a connection is up and nothing waits ahead
 * of it; otherwise it waits in the bounded offline buffer. Written messages stay "in flight" until the
 * broker confirms them. When the connection is lost, in-flight messages go back to the front of the
 * buffer, flagged as possible duplicates with their original messageId, and everything is written again,
 * in order, on the next connection.
 */
import { ClosedError, RejectedError, TimeoutError, type UnifiedMqError } from './errors.js';
import { OfflineBuffer, type OfflineBufferLimits } from './offline-buffer.js';
import type { ConnectionEpoch } from './message.js';
import { SETTLED, type OutgoingMessage } from './transport.js';

export class PendingPublish {
  message: OutgoingMessage;
  readonly confirm: boolean;
  readonly size: number;
  readonly seq: number;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** Times the broker turned it away without closing the connection (e.g. AMQP `released`). */
  refusals = 0;
  /** Connections lost while it was the oldest message awaiting confirmation on them. */
  lossesAsOldest = 0;

  constructor(message: OutgoingMessage, confirm: boolean, seq: number, resolve: () => void, reject: (error: Error) => void) {
    this.message = message;
    this.confirm = confirm;
    this.size = message.bytes.byteLength;
    this.seq = seq;
    this.resolve = resolve;
    this.reject = reject;
  }
}

/**
 * A message that was the oldest unconfirmed one on this many lost connections in a row is given up on
 * (rejected) rather than written again: a broker that drops the connection on one message would otherwise
 * loop forever. RabbitMQ 3.10's AMQP 1.0 plugin does so on a full queue with `overflow: reject-publish`
 * (its session process crashes on the nack, and the whole connection closes with amqp:internal-error).
 */
export const POISON_LOSSES = 5;

/** Backoff before writing again a message the broker turned away with a retryable error: 5, 10, 20 … 1000 ms. */
const REFUSED_RETRY_FIRST_MS = 5;
const REFUSED_RETRY_MAX_MS = 1000;

export class Publisher {
  readonly #buffer: OfflineBuffer<PendingPublish>;
  /** Written and not yet confirmed, in write order (Set keeps insertion order). */
  readonly #inFlight = new Set<PendingPublish>();
  #epoch: ConnectionEpoch | undefined;
  #seq = 0;
  #drainWaiters: Array<() => void> = [];
  readonly #publishTimeoutMs: number | undefined;

  constructor(limits: OfflineBufferLimits, publishTimeoutMs: number | undefined) {
    this.#buffer = new OfflineBuffer(limits);
    this.#publishTimeoutMs = publishTimeoutMs;
  }

  get buffered(): number { return this.#buffer.length; }
  get inFlight(): number { return this.#inFlight.size; }

  publish(message: OutgoingMessage, confirm: boolean): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const pending = new PendingPublish(message, confirm, this.#seq++, resolve, reject);
      const epoch = this.#epoch;
      if (epoch && this.#buffer.length === 0) {
        this.#write(pending, epoch);
      } else if (this.#buffer.push(pending) && this.#publishTimeoutMs !== undefined) {
        pending.timer = setTimeout(() => this.#expire(pending), this.#publishTimeoutMs);
      }
    });
  }

  #expire(pending: PendingPublish): void {
    if (this.#buffer.remove(pending)) {
      pending.reject(new TimeoutError(`No connection within ${this.#publishTimeoutMs} ms (failover "timeout"); the message was not sent`));
      this.#notifyIfDrained();
    }
  }

  #write(pending: PendingPublish, epoch: ConnectionEpoch): void {
    if (pending.timer !== undefined) {
      clearTimeout(pending.timer);
      pending.timer = undefined;
    }
    this.#inFlight.add(pending);
    let written: Promise<void>;
    try {
      written = epoch.connection.publish(pending.message, pending.confirm);
    } catch (error) {
      // A transport must reject rather than throw; if one throws, it is the same failure.
      written = Promise.reject(error);
    }
    // Written at once without confirmation (the common case of confirm: false): done now, without a
    // handler, its promise or a turn of the microtask queue per message.
    if (written === SETTLED) this.#done(pending);
    else written.then(() => this.#done(pending), (error: UnifiedMqError) => this.#onWriteFailed(pending, epoch, error));
  }

  #done(pending: PendingPublish): void {
    // No longer in flight: the connection was lost meanwhile, and the message waits to be sent again.
    if (!this.#inFlight.delete(pending)) return;
    pending.resolve();
    this.#notifyIfDrained();
  }

  #onWriteFailed(pending: PendingPublish, epoch: ConnectionEpoch, error: UnifiedMqError): void {
    if (!this.#inFlight.has(pending)) return; // already moved back to the buffer by connectionLost
    if (error?.retryable) {
      // The transport reports the loss itself (onLost); then connectionLost() moves the message back.
      // If the connection survives (e.g. an AMQP `released`: the broker could not take it now), write it
      // again after a growing pause, so that a broker that keeps refusing is not hammered in a busy loop.
      const delayMs = Math.min(REFUSED_RETRY_FIRST_MS * 2 ** pending.refusals++, REFUSED_RETRY_MAX_MS);
      setTimeout(() => {
        if (this.#inFlight.has(pending) && epoch.alive && this.#epoch === epoch) {
          this.#inFlight.delete(pending);
          this.#write(pending, epoch);
        }
      }, delayMs);
      return;
    }
    this.#inFlight.delete(pending);
    pending.reject(error);
    this.#notifyIfDrained();
  }

  /** A connection is up (subscriptions restored): write everything waiting, in order. */
  connected(epoch: ConnectionEpoch): void {
    this.#epoch = epoch;
    for (let pending = this.#buffer.shift(); pending; pending = this.#buffer.shift()) {
      this.#write(pending, epoch);
      if (!epoch.alive) break;
    }
  }

  /** The connection is gone: unconfirmed messages go back in front, flagged as possible duplicates. */
  connectionLost(cause?: UnifiedMqError): void {
    this.#epoch = undefined;
    if (this.#inFlight.size === 0) return;
    const oldest = this.#inFlight.values().next().value!;
    if (++oldest.lossesAsOldest >= POISON_LOSSES) {
      this.#inFlight.delete(oldest);
      oldest.reject(
        new RejectedError(
          `The connection was lost ${POISON_LOSSES} times in a row while this message was the oldest one awaiting confirmation; ` +
            `it is not sent again (the broker may be dropping the connection because of it)${cause ? `. Last loss: ${cause.message}` : ''}`,
          cause ? { cause } : undefined,
        ),
      );
    }
    const resend = [...this.#inFlight];
    this.#inFlight.clear();
    for (const pending of resend) {
      if (!pending.message.possibleDuplicate) pending.message = { ...pending.message, possibleDuplicate: true };
    }
    this.#buffer.unshift(resend);
    this.#notifyIfDrained(); // the rejected message may have been the last one
  }

  /** Resolves once nothing is buffered or in flight. */
  drained(): Promise<void> {
    if (this.#buffer.length === 0 && this.#inFlight.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  #notifyIfDrained(): void {
    if (this.#drainWaiters.length === 0 || this.#buffer.length > 0 || this.#inFlight.size > 0) return;
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Rejects everything still waiting (close without drain, or after a fatal error). */
  failAll(error: Error = new ClosedError()): void {
    this.#epoch = undefined;
    const all = [...this.#inFlight, ...this.#buffer.drain()];
    this.#inFlight.clear();
    for (const pending of all) {
      if (pending.timer !== undefined) clearTimeout(pending.timer);
      pending.reject(error);
    }
    this.#notifyIfDrained();
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
