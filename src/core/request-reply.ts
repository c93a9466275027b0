/**
 * The requesting side of request/reply, protocol-neutral: correlation, time-outs, aborts and re-sends.
 *
 * Each connection gets one reply address (`TransportConnection.openReplyAddress`: a temporary queue, a
 * dynamic node, a reply topic), opened when the client makes its first request and again on every new
 * connection after that, never one per request. A request carries that address in `replyTo` and a
 * `correlationId`; the first reply with that id settles it. A reply nobody waits for (late, repeated,
 * foreign) is dropped and counted in a debug log line.
 *
 * Failover: the reply address dies with its connection (temporary queues are per connection), so a
 * reply to a request written on a lost connection may never come. Every request still waiting when a
 * new connection comes up is written again there, with the same messageId and correlationId, flagged as
 * a possible duplicate; a server may therefore see a request more than once (at-least-once), and the
 * second reply is dropped here. Requests made while disconnected wait for the next connection. Every
 * request ends within its `timeoutMs`, connected or not.
 *
 * Requests do not go through the offline buffer: their `replyTo` belongs to the connection they are
 * written on, so they are written only on a connection whose reply address is open.
 */
import { ClosedError, InvalidArgumentError, TimeoutError, UnifiedMqError, UnsupportedError } from './errors.js';
import { ReceivedMessage, type ConnectionEpoch } from './message.js';
import type { Delivery, OutgoingMessage } from './transport.js';
import type { Codec, Logger, Message } from './types.js';

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** Pause before writing again a request the broker turned away without closing the connection. */
const REFUSED_RETRY_MS = 100;

export interface RequestReplyContext {
  readonly codec: Codec;
  readonly logger: Logger | undefined;
  /** The live connection, if any. */
  epoch(): ConnectionEpoch | undefined;
}

class PendingRequest {
  /** The connection it was last written on (or is being written on); undefined before the first write. */
  sentOn: ConnectionEpoch | undefined;
  writes = 0;
  timer: ReturnType<typeof setTimeout> | undefined;
  stopListening: (() => void) | undefined;

  constructor(
    readonly message: OutgoingMessage,
    readonly resolve: (reply: Message) => void,
    readonly reject: (error: unknown) => void,
  ) {}
}

export class RequestReply {
  readonly #context: RequestReplyContext;
  readonly #pending = new Map<string, PendingRequest>();
  /** The reply address of one connection (at most one is live). */
  #reply: { epoch: ConnectionEpoch; address: Promise<string> } | undefined;
  /** True once the client made a request: from then on every new connection opens a reply address. */
  #used = false;
  #dropped = 0;

  constructor(context: RequestReplyContext) {
    this.#context = context;
  }

  /** Requests waiting for their reply. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Replies dropped because no request waited for them (late after a time-out, repeated, unknown). */
  get dropped(): number {
    return this.#dropped;
  }

  /**
   * Sends `message` (which has its correlationId and no replyTo yet) and resolves with the first reply
   * carrying its correlationId, or rejects with TimeoutError after `timeoutMs`, or with the signal's
   * reason once `signal` aborts.
   */
  request(message: OutgoingMessage, timeoutMs: number, signal: AbortSignal | undefined): Promise<Message> {
    const correlationId = message.correlationId!;
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#pending.has(correlationId)) {
      return Promise.reject(InvalidArgumentError.format('correlationId', `${JSON.stringify(correlationId)} is already used by a request waiting for its reply`));
    }
    return new Promise<Message>((resolve, reject) => {
      const pending = new PendingRequest(message, resolve, reject);
      this.#pending.set(correlationId, pending);
      pending.timer = setTimeout(() => {
        this.#finish(pending, new TimeoutError(
          `No reply to the request sent to ${JSON.stringify(message.destination)} within ${timeoutMs} ms (timeoutMs; correlationId ${JSON.stringify(correlationId)})`,
        ));
      }, timeoutMs);
      if (signal) {
        const onAbort = () => this.#finish(pending, signal.reason);
        signal.addEventListener('abort', onAbort, { once: true });
        pending.stopListening = () => signal.removeEventListener('abort', onAbort);
      }
      this.#used = true;
      const epoch = this.#context.epoch();
      if (epoch?.alive) this.#write(pending, epoch);
      // Otherwise connected() writes it.
    });
  }

  /** A connection is up: open its reply address (once requests were made) and write every waiting request. */
  connected(epoch: ConnectionEpoch): void {
    if (!this.#used) return;
    for (const pending of this.#pending.values()) {
      if (pending.sentOn !== epoch) this.#write(pending, epoch);
    }
    // A connection with nothing waiting still gets its reply address now, so the next request does not
    // wait for it.
    this.#addressOn(epoch).catch(() => undefined);
  }

  /** Rejects every waiting request (client closed, or failed for good). */
  failAll(error: Error = new ClosedError()): void {
    for (const pending of [...this.#pending.values()]) this.#finish(pending, error);
    this.#reply = undefined;
  }

  #addressOn(epoch: ConnectionEpoch): Promise<string> {
    if (this.#reply?.epoch === epoch) return this.#reply.address;
    const open = epoch.connection.openReplyAddress;
    const address = open
      ? open.call(epoch.connection, (delivery) => this.#onReply(epoch, delivery))
      : Promise.reject(unsupported());
    address.catch(() => undefined);
    this.#reply = { epoch, address };
    return address;
  }

  #write(pending: PendingRequest, epoch: ConnectionEpoch): void {
    pending.sentOn = epoch;
    const current = () => this.#pending.get(pending.message.correlationId!) === pending && pending.sentOn === epoch;
    this.#addressOn(epoch).then(
      (replyTo) => {
        if (!current() || !epoch.alive) return;
        const message: OutgoingMessage = { ...pending.message, replyTo, possibleDuplicate: pending.writes++ > 0 };
        epoch.connection.publish(message, true).then(undefined, (error: unknown) => {
          if (!current()) return;
          if (!(error instanceof UnifiedMqError) || !error.retryable) {
            this.#finish(pending, error);
            return;
          }
          // Lost with the connection: the next connection writes it again. Turned away on a connection
          // that stays up (an AMQP `released`): write it again shortly.
          setTimeout(() => {
            if (current() && epoch.alive) this.#write(pending, epoch);
          }, REFUSED_RETRY_MS);
        });
      },
      (error: unknown) => {
        // A retryable failure means the connection is going away: the next one opens a new address.
        if (current() && !(error instanceof UnifiedMqError && error.retryable)) this.#finish(pending, error);
      },
    );
  }

  #onReply(epoch: ConnectionEpoch, delivery: Delivery): void {
    const correlationId = delivery.correlationId;
    const pending = correlationId === undefined ? undefined : this.#pending.get(correlationId);
    if (!pending) {
      this.#dropped++;
      this.#context.logger?.debug?.('request/reply: dropped a reply no request waits for (late, repeated or unknown)', {
        correlationId,
        dropped: this.#dropped,
      });
      return;
    }
    // The transport settles replies itself: the reply's ack() and nack() have nothing left to do.
    const settled: ConnectionEpoch = { connection: epoch.connection, alive: false };
    this.#finish(pending, undefined, new ReceivedMessage(delivery, settled, { codec: this.#context.codec, contentType: undefined }));
  }

  #finish(pending: PendingRequest, error: unknown, reply?: Message): void {
    const correlationId = pending.message.correlationId!;
    if (this.#pending.get(correlationId) !== pending) return;
    this.#pending.delete(correlationId);
    clearTimeout(pending.timer);
    pending.stopListening?.();
    if (reply) pending.resolve(reply);
    else pending.reject(error);
  }
}

function unsupported(): UnsupportedError {
  return new UnsupportedError('This transport has no reply address, so it cannot make requests; use the STOMP, AMQP, MQTT or memory transport');
}
