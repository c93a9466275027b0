import type { UnifiedMqError } from './errors.js';

/** Header values are strings on every protocol. */
export type Headers = Record<string, string>;

export type Body = Uint8Array | string | unknown;

export interface Codec {
  /** Turns a body into bytes; may set a content type (returned) when the caller gave none. */
  encode(body: unknown, contentType: string | undefined): { bytes: Uint8Array; contentType: string | undefined };
  decode(bytes: Uint8Array, contentType: string | undefined): unknown;
}

export interface PublishOptions {
  headers?: Headers;
  contentType?: string;
  messageId?: string;
  correlationId?: string;
  replyTo?: string;
  persistent?: boolean;
  priority?: number;
  ttlMs?: number;
  /** Wait for the broker's confirmation (default true). With false, resolves once the message is written. */
  confirm?: boolean;
}

export interface RequestOptions extends PublishOptions {
  /** How long to wait for the reply, failovers included (default 30 000 ms); then TimeoutError. */
  timeoutMs?: number;
  /** Gives up waiting: the request rejects with the signal's reason (an `AbortError` by default). */
  signal?: AbortSignal;
}

export type AckMode = 'auto' | 'manual';

export interface SubscribeOptions {
  /** 'auto' (default): a handler that returns acks, one that throws nacks. 'manual': call msg.ack()/nack(). */
  ack?: AckMode;
  /** How many unacknowledged messages the broker may push ahead of the handler. */
  prefetch?: number;
  /** A durable subscription name: messages published while the client is away are kept for it. */
  durable?: string;
  /** Handler invocations allowed at once (default 1, which keeps the broker's order). */
  concurrency?: number;
  /** Iterator mode only: messages held before the transport stops reading (default: prefetch, or 1000). */
  highWaterMark?: number;
  /**
   * The content type to decode `body` by when a message carries none (MQTT 3.1.1 has nowhere to put one,
   * other producers may leave it out): `'application/json'` makes `body` the parsed JSON there too.
   */
  contentType?: string;
}

export interface ConsumeOptions extends SubscribeOptions {}

/** `serve()` options: those of the consumer it opens (`ack` is always 'auto': the reply settles the request). */
export type ServeOptions = Omit<ConsumeOptions, 'ack'>;

export interface NackOptions {
  /** Put the message back for redelivery (default true). False discards it or dead-letters it. */
  requeue?: boolean;
}

export interface Message<T = unknown> {
  readonly body: T;
  readonly bytes: Uint8Array;
  readonly destination: string;
  readonly headers: Headers;
  readonly messageId: string | undefined;
  readonly correlationId: string | undefined;
  readonly replyTo: string | undefined;
  readonly contentType: string | undefined;
  readonly priority: number | undefined;
  /** Epoch milliseconds after which the broker may discard the message. */
  readonly expiresAt: number | undefined;
  readonly redelivered: boolean;
  /** True when the broker redelivered it, or a producer re-sent it after a failover. */
  readonly possibleDuplicate: boolean;
  /** The bytes as UTF-8 text, whatever the content type. */
  text(): string;
  /** The bytes parsed as JSON, whatever the content type; bad JSON throws a DecodeError (a UnifiedMqError). */
  json<U = unknown>(): U;
  ack(): Promise<void>;
  nack(options?: NackOptions): Promise<void>;
}

export type MessageHandler<T = unknown> = (message: Message<T>) => void | Promise<void>;

export interface Capabilities {
  queues: boolean;
  wildcards: boolean;
  headers: boolean;
  durableSubscriptions: boolean;
  nack: boolean;
  priority: boolean;
  ttl: boolean;
  /** Largest message body the broker takes, in bytes (Infinity when it announces none). */
  maxMessageBytes: number;
  /**
   * True when any bytes (0x00, 0xFF, invalid UTF-8) can be received on this connection. False where the
   * broker sends WebSocket text frames and the platform refuses invalid UTF-8 in them (a browser on
   * RabbitMQ Web-STOMP's default `web_stomp.ws_frame = text`): send text or JSON, or set the broker to binary frames.
   */
  binaryBodies: boolean;
}

export interface FailoverOptions {
  /** Shuffle the endpoint list once at start (default false: the first endpoint is the preferred active). */
  randomize?: boolean;
  /** Delay before the second pass over the endpoints; the first pass after a loss is immediate. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  multiplier?: number;
  /** Each delay is lengthened by a random share of up to `jitter` × delay (0..1). */
  jitter?: number;
  /** Passes over the endpoint list after a loss before the client gives up and closes (default Infinity). */
  maxAttempts?: number;
  /** Passes over the endpoint list before connect() rejects (default Infinity). */
  startupMaxAttempts?: number;
  /** Return to the first endpoint as soon as it is back (the client probes it while on a backup). */
  priorityBackup?: boolean;
}

export interface BufferOptions {
  maxMessages?: number;
  maxBytes?: number;
  overflow?: 'reject' | 'drop-oldest';
}

export interface TlsOptions {
  ca?: string | Uint8Array | Array<string | Uint8Array>;
  cert?: string | Uint8Array;
  key?: string | Uint8Array;
  passphrase?: string;
  /** Default true. Set false only for tests against self-signed certificates. */
  rejectUnauthorized?: boolean;
  servername?: string;
}

export type ClientState = 'connecting' | 'connected' | 'reconnecting' | 'closed';

export interface Logger {
  debug?(message: string, data?: Record<string, unknown>): void;
  info?(message: string, data?: Record<string, unknown>): void;
  warn?(message: string, data?: Record<string, unknown>): void;
  error?(message: string, data?: Record<string, unknown>): void;
}

/** Status changes, as a discriminated union; each is also emitted as a typed event of the same name. */
export type ClientEvent =
  | { type: 'connected'; endpoint: string }
  | { type: 'disconnected'; endpoint: string; error: UnifiedMqError }
  | { type: 'reconnecting'; attempt: number; delayMs: number; endpoint: string }
  | { type: 'failover'; from: string; to: string; downtimeMs: number }
  | { type: 'resubscribed'; count: number }
  | { type: 'error'; error: UnifiedMqError };

type EventPayload<K extends ClientEvent['type']> = Omit<Extract<ClientEvent, { type: K }>, 'type'>;

export type ClientEvents = {
  [K in ClientEvent['type']]: (event: EventPayload<K>) => void;
};
