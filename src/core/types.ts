import type { UnifiedMqError } from './errors.js';

/** Header values are strings on every protocol. */
export type Headers = Record<string, string>;

/**
 * Turns message bodies into bytes and back. The default ({@link defaultCodec}) sends a `Uint8Array` as is,
 * a string as UTF-8 and anything else as JSON; pass your own as `ConnectOptions.codec` for another format.
 */
export interface Codec {
  /** Turns a body into bytes; may set a content type (returned) when the caller gave none. */
  encode(body: unknown, contentType: string | undefined): {
    /** The body as sent on the wire. */
    bytes: Uint8Array;
    /** The content type to send with it, or undefined for none. */
    contentType: string | undefined;
  };
  /** Turns received bytes into `Message.body`, given the content type the message carries (if any). */
  decode(bytes: Uint8Array, contentType: string | undefined): unknown;
}

/** Options of `client.publish()` and `client.send()`: message properties, and whether to wait for the broker. */
export interface PublishOptions {
  /** Application headers, carried as protocol headers or properties (MQTT 5 user properties; none on MQTT 3.1.1). */
  headers?: Headers;
  /** The MIME type of the body; the default codec sets `text/plain` or `application/json` when absent. */
  contentType?: string;
  /** The message's id; generated when absent, and kept on a re-send after a failover. */
  messageId?: string;
  /** Ties a reply to its request. */
  correlationId?: string;
  /** Where a reply should be sent. */
  replyTo?: string;
  /** Ask the broker to keep the message on disk so it survives a broker restart. */
  persistent?: boolean;
  /** 0 (lowest) to 9 (highest), where the broker supports priorities; another value rejects with InvalidArgumentError. */
  priority?: number;
  /**
   * Time to live: the broker may discard the message this many milliseconds after it was sent. A whole
   * number from 1 to 2^32-1 (about 49.7 days); another value rejects with InvalidArgumentError.
   */
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

/** `'auto'`: the client acks when the handler returns and nacks when it throws; `'manual'`: call `ack()`/`nack()`. */
export type AckMode = 'auto' | 'manual';

/** Options of `client.subscribe()`: acknowledgement, flow control, durability and concurrency. */
export interface SubscribeOptions {
  /** 'auto' (default): a handler that returns acks, one that throws nacks. 'manual': call msg.ack()/nack(). */
  ack?: AckMode;
  /** How many unacknowledged messages the broker may push ahead of the handler. */
  prefetch?: number;
  /** A durable subscription name: messages published while the client is away are kept for it. */
  durable?: string;
  /** Handler invocations allowed at once (default 1, which keeps the broker's order). */
  concurrency?: number;
  /**
   * The content type to decode `body` by when a message carries none (MQTT 3.1.1 has nowhere to put one,
   * other producers may leave it out): `'application/json'` makes `body` the parsed JSON there too.
   */
  contentType?: string;
}

/** Options of `client.consume()`: the same as {@link SubscribeOptions}, for a queue. */
export interface ConsumeOptions extends SubscribeOptions {}

/** `serve()` options: those of the consumer it opens (`ack` is always 'auto': the reply settles the request). */
export type ServeOptions = Omit<ConsumeOptions, 'ack'>;

/** Options of `message.nack()`. */
export interface NackOptions {
  /** Put the message back for redelivery (default true). False discards it or dead-letters it. */
  requeue?: boolean;
}

/** A received message: its decoded body and raw bytes, its properties, and how to settle it. */
export interface Message<T = unknown> {
  /** The body decoded by the codec according to `contentType` (bytes when there is none). */
  readonly body: T;
  /** The body exactly as received. */
  readonly bytes: Uint8Array;
  /** The topic or queue name the message was sent to, in the `.`-separated form. */
  readonly destination: string;
  /** Application headers (protocol-internal headers removed). */
  readonly headers: Headers;
  /** The sender's message id, where the protocol carries one. */
  readonly messageId: string | undefined;
  /** The correlation id set by the sender (request/reply). */
  readonly correlationId: string | undefined;
  /** Where the sender wants a reply. */
  readonly replyTo: string | undefined;
  /** The body's MIME type, where the protocol carries one. */
  readonly contentType: string | undefined;
  /** The priority the sender set, 0 to 9. */
  readonly priority: number | undefined;
  /** Epoch milliseconds after which the broker may discard the message. */
  readonly expiresAt: number | undefined;
  /** True when the broker delivered this message before (it was not acknowledged then). */
  readonly redelivered: boolean;
  /** True when the broker redelivered it, or a producer re-sent it after a failover. */
  readonly possibleDuplicate: boolean;
  /** The bytes as UTF-8 text, whatever the content type. */
  text(): string;
  /** The bytes parsed as JSON, whatever the content type; bad JSON throws a DecodeError (a UnifiedMqError). */
  json<U = unknown>(): U;
  /** Acknowledges the message: the broker forgets it. A no-op once the connection it came on is lost. */
  ack(): Promise<void>;
  /** Gives the message back for redelivery, or discards (dead-letters) it with `requeue: false`. */
  nack(options?: NackOptions): Promise<void>;
}

/** A function that handles one message; with ack `'auto'`, returning acks it and throwing nacks it. */
export type MessageHandler<T = unknown> = (message: Message<T>) => void | Promise<void>;

/** What the transport can do on the connected broker; an operation it cannot serve rejects with `UnsupportedError`. */
export interface Capabilities {
  /** Point-to-point queues (`send`, `consume`). */
  queues: boolean;
  /** `*` and `#` in subscription patterns. */
  wildcards: boolean;
  /** Application headers travel with messages. */
  headers: boolean;
  /** `SubscribeOptions.durable` works. */
  durableSubscriptions: boolean;
  /** `nack()` gives a message back to the broker (rather than only dropping the connection). */
  nack: boolean;
  /** `PublishOptions.priority` is honoured. */
  priority: boolean;
  /** `PublishOptions.ttlMs` is honoured. */
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

/** How the client walks the endpoint list after a connection loss: order, backoff and limits. */
export interface FailoverOptions {
  /** Shuffle the endpoint list once at start (default false: the first endpoint is the preferred active). */
  randomize?: boolean;
  /** Delay before the second pass over the endpoints; the first pass after a loss is immediate. */
  initialDelayMs?: number;
  /** The longest delay between two passes over the endpoint list. */
  maxDelayMs?: number;
  /** Each delay is the previous one times this, up to `maxDelayMs`. */
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

/** Bounds of the offline buffer that holds publishes while the client is disconnected. */
export interface BufferOptions {
  /** How many messages it holds at most. */
  maxMessages?: number;
  /** How many body bytes it holds at most. */
  maxBytes?: number;
  /** When full: `'reject'` the new publish with `BufferOverflowError`, or `'drop-oldest'` (rejecting that one). */
  overflow?: 'reject' | 'drop-oldest';
}

/** TLS settings for `mqtts`, `amqps`, `stomp+ssl` and `wss` endpoints in Node (browsers use their own trust store). */
export interface TlsOptions {
  /** Certificate authorities to trust instead of the system's (PEM). */
  ca?: string | Uint8Array | Array<string | Uint8Array>;
  /** A client certificate (PEM), for brokers that authenticate clients by certificate. */
  cert?: string | Uint8Array;
  /** The client certificate's private key (PEM). */
  key?: string | Uint8Array;
  /** The passphrase of `key`. */
  passphrase?: string;
  /** Default true. Set false only for tests against self-signed certificates. */
  rejectUnauthorized?: boolean;
  /** The host name to verify the certificate against (SNI), when it differs from the endpoint's. */
  servername?: string;
}

/** Where the client is in its life: connecting for the first time, connected, failing over, or closed. */
export type ClientState = 'connecting' | 'connected' | 'reconnecting' | 'closed';

/** Where the client writes diagnostics (`console` fits); every method is optional, and no line contains a password. */
export interface Logger {
  /** Protocol-level detail. */
  debug?(message: string, data?: Record<string, unknown>): void;
  /** Connection changes. */
  info?(message: string, data?: Record<string, unknown>): void;
  /** Something went wrong and the client recovers. */
  warn?(message: string, data?: Record<string, unknown>): void;
  /** Something went wrong that the application should know about. */
  error?(message: string, data?: Record<string, unknown>): void;
}

/** Status changes, as a discriminated union; each is also emitted as a typed event of the same name. */
export type ClientEvent =
  | {
      /** Names the event: `'connected'`. */
      type: 'connected';
      /** The endpoint connected to, without its password. */
      endpoint: string;
    }
  | {
      /** Names the event: `'disconnected'`. */
      type: 'disconnected';
      /** The endpoint whose connection was lost, without its password. */
      endpoint: string;
      /** Why it was lost. */
      error: UnifiedMqError;
    }
  | {
      /** Names the event: `'reconnecting'`. */
      type: 'reconnecting';
      /** Counts the connection attempts since the loss, from 1. */
      attempt: number;
      /** How long the client waited before this attempt. */
      delayMs: number;
      /** The endpoint being tried, without its password. */
      endpoint: string;
    }
  | {
      /** Names the event: `'failover'`. */
      type: 'failover';
      /** The endpoint that was lost. */
      from: string;
      /** The endpoint now connected. */
      to: string;
      /** Milliseconds between the loss and the new connection being ready. */
      downtimeMs: number;
    }
  | {
      /** Names the event: `'resubscribed'`. */
      type: 'resubscribed';
      /** How many subscriptions and consumers were restored on the new connection. */
      count: number;
    }
  | {
      /** Names the event: `'error'`. */
      type: 'error';
      /** A failure no pending call could report, such as a subscription the new broker refused. */
      error: UnifiedMqError;
    };

/** The payload of the event named `K`: its {@link ClientEvent} without the `type` field. */
export type EventPayload<K extends ClientEvent['type']> = Omit<Extract<ClientEvent, { type: K }>, 'type'>;

/** The client's typed events, for `client.on(name, listener)`: one per {@link ClientEvent} type. */
export type ClientEvents = {
  [K in ClientEvent['type']]: (event: EventPayload<K>) => void;
};
