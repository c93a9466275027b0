/**
 * The public `Message`: a thin view over a transport's `Delivery`. It copies nothing, decodes the body
 * only when read, and binds ack/nack to the connection the delivery arrived on.
 */
import { SETTLED, type Delivery, type TransportConnection } from './transport.js';
import type { Codec, Headers, Message, NackOptions } from './types.js';
import { fromUtf8, parseJson } from './codec.js';
import { UnsupportedError } from './errors.js';

/**
 * One connection's lifetime. Acks are bound to it: once `alive` is false, an ack or nack for a message
 * received on it is dropped instead of being sent on a newer connection — the broker redelivers it.
 */
export interface ConnectionEpoch {
  readonly connection: TransportConnection;
  alive: boolean;
  /** Set once a message reached a subscription on it (see ./delivery-faults.ts). */
  delivered?: boolean;
}

const NOT_DECODED: unique symbol = Symbol('not decoded');

/** How a subscription decodes bodies: its client's codec, and the content type assumed when a message carries none. */
export interface BodyDecoding {
  readonly codec: Codec;
  readonly contentType: string | undefined;
}

/** Told when a message is settled (the subscription's prefetch window opens again). */
export interface SettleListener {
  settled(): void;
}

export class ReceivedMessage<T = unknown> implements Message<T> {
  #body: unknown = NOT_DECODED;
  #settled = false;
  readonly #delivery: Delivery;
  readonly #epoch: ConnectionEpoch;
  readonly #decoding: BodyDecoding;
  readonly #listener: SettleListener | undefined;
  readonly #repeat: boolean;

  /** `repeat`: the client saw these bytes on this destination just before a failover (./recent-deliveries.ts). */
  constructor(delivery: Delivery, epoch: ConnectionEpoch, decoding: BodyDecoding, listener?: SettleListener, repeat = false) {
    this.#delivery = delivery;
    this.#epoch = epoch;
    this.#decoding = decoding;
    this.#listener = listener;
    this.#repeat = repeat;
  }

  get body(): T {
    if (this.#body === NOT_DECODED) {
      const delivery = this.#delivery;
      // A protocol with typed bodies (AMQP amqp-value) has decoded it already.
      this.#body = 'body' in delivery ? delivery.body : this.#decoding.codec.decode(delivery.bytes, delivery.contentType ?? this.#decoding.contentType);
    }
    return this.#body as T;
  }
  text(): string {
    return fromUtf8(this.#delivery.bytes);
  }
  json<U = unknown>(): U {
    return parseJson(this.#delivery.bytes, this.#delivery.contentType) as U;
  }
  get bytes(): Uint8Array { return this.#delivery.bytes; }
  get destination(): string { return this.#delivery.destination; }
  get headers(): Headers { return this.#delivery.headers; }
  get messageId(): string | undefined { return this.#delivery.messageId; }
  get correlationId(): string | undefined { return this.#delivery.correlationId; }
  get replyTo(): string | undefined { return this.#delivery.replyTo; }
  get contentType(): string | undefined { return this.#delivery.contentType; }
  get priority(): number | undefined { return this.#delivery.priority; }
  get expiresAt(): number | undefined { return this.#delivery.expiresAt; }
  get redelivered(): boolean { return this.#delivery.redelivered; }
  get possibleDuplicate(): boolean { return this.#repeat || this.#delivery.redelivered || this.#delivery.possibleDuplicate; }

  /** True once ack or nack was called. */
  get settled(): boolean { return this.#settled; }

  ack(): Promise<void> {
    if (this.#settled) return SETTLED;
    this.#settled = true;
    this.#listener?.settled();
    if (!this.#epoch.alive) return SETTLED;
    return this.#epoch.connection.ack(this.#delivery);
  }

  nack(options?: NackOptions): Promise<void> {
    if (this.#settled) return SETTLED;
    const epoch = this.#epoch;
    if (!epoch.connection.capabilities.nack) {
      return Promise.reject(
        new UnsupportedError('This transport cannot nack on this broker; do not ack the message and it is redelivered after reconnect, or use a transport with nack (AMQP, STOMP)'),
      );
    }
    this.#settled = true;
    this.#listener?.settled();
    if (!epoch.alive) return SETTLED;
    return epoch.connection.nack(this.#delivery, options?.requeue ?? true);
  }

  toJSON(): Record<string, unknown> {
    return {
      destination: this.destination, messageId: this.messageId, headers: this.headers,
      contentType: this.contentType, redelivered: this.redelivered, possibleDuplicate: this.possibleDuplicate,
      size: this.bytes.byteLength,
    };
  }
}
