/**
 * The narrow contract between the core and a protocol adapter.
 *
 * The core owns everything the protocols share: endpoints, failover and backoff, the connection state
 * machine, the subscription registry and its restoration, the offline buffer and re-sends, ack epochs,
 * codecs, events and errors. A transport owns one protocol on one endpoint at a time: it opens a
 * connection with a protocol-level handshake, maps destinations, publishes with broker confirmation,
 * delivers messages, acks them, and reports the loss of the connection exactly once.
 *
 * A transport never reconnects by itself (every library's own reconnect is turned off) and never lets a
 * library error escape: it translates them into the error family of `errors.ts`.
 */
import type { UnifiedMqError } from './errors.js';
import type { Capabilities, Headers, Logger, TlsOptions } from './types.js';

/** The protocol a transport speaks (`memory` for the in-process broker; a transport of your own names its own). */
export type Protocol = 'mqtt' | 'amqp' | 'stomp' | 'memory' | (string & {});

/** A parsed endpoint. `url` may hold credentials; `display` never does. */
export interface Endpoint {
  /** The URL as given, credentials included. */
  readonly url: string;
  /** The URL with its password replaced by `***`: the form used in errors, events and logs. */
  readonly display: string;
  /** Lower-case scheme without the colon: `mqtt`, `mqtts`, `mqtt+ssl`, `ws`, `wss`, `memory`, … */
  readonly scheme: string;
  /** The host name, or for `memory://NAME` the broker's name. */
  readonly host: string;
  /** Undefined when the URL gives none; the transport applies its protocol's default. */
  readonly port: number | undefined;
  /** Path (for ws/wss), `''` when absent. */
  readonly path: string;
  /** True for TLS schemes: mqtts, mqtt+ssl, amqps, amqp+ssl, stomp+ssl, wss. */
  readonly secure: boolean;
  /** The user name given in the URL, decoded. */
  readonly username: string | undefined;
  /** The password given in the URL, decoded; never shown in `display`. */
  readonly password: string | undefined;
  /** Query parameters given on this endpoint (after failover options are removed). */
  readonly params: ReadonlyMap<string, string>;
}

/** What the client hands a transport when it opens a connection: identity, credentials, limits, and the loss callback. */
export interface OpenOptions {
  /** The client id to announce (MQTT client id, STOMP `client-id`, AMQP container id). */
  readonly clientId: string;
  /** The user name: the endpoint's own if it has one, else `ConnectOptions.username`. */
  readonly username: string | undefined;
  /** The password: the endpoint's own if it has one, else `ConnectOptions.password`. */
  readonly password: string | undefined;
  /** Dead-connection detection: the transport must declare a silent peer dead within 1.5 × heartbeatMs. */
  readonly heartbeatMs: number;
  /** How long the handshake may take; `signal` is aborted after it. */
  readonly connectTimeoutMs: number;
  /** TLS settings for secure schemes (Node). */
  readonly tls: TlsOptions | undefined;
  /** Aborted on connect time-out or when the user gives up; the transport must then release everything. */
  readonly signal: AbortSignal;
  /** Where to write diagnostics, if the user gave a logger. */
  readonly logger: Logger | undefined;
  /**
   * Called at most once, when an open connection is lost for any reason other than `close()`.
   * Pending publishes and subscriptions on it are the core's business afterwards.
   */
  readonly onLost: (error: UnifiedMqError) => void;
}

/** A topic (fan-out to every subscriber) or a queue (each message to one consumer). */
export type DestinationKind = 'topic' | 'queue';

/**
 * What an outgoing message is addressed to: a topic or a queue by unified name, or (`reply`) the
 * `replyTo` of a received request, exactly as the transport decoded it (`Delivery.replyTo`): a unified
 * name, or the broker's own form of a temporary address (`/remote-temp-queue/…`, `/queue/amq.gen-…`).
 */
export type OutgoingKind = DestinationKind | 'reply';

/** A message on its way out. The core has validated `destination` and encoded the body. */
export interface OutgoingMessage {
  /** Whether to publish to a topic, send to a queue, or send a reply. */
  readonly kind: OutgoingKind;
  /** The validated `.`-separated name; the transport maps it to its protocol's form. */
  readonly destination: string;
  /** The encoded body. */
  readonly bytes: Uint8Array;
  /** Application headers ({@link PublishOptions.headers}). */
  readonly headers: Headers | undefined;
  /** The body's MIME type, from the options or the codec. */
  readonly contentType: string | undefined;
  /** The message id: the user's, or one the client generated; the same on a re-send. */
  readonly messageId: string;
  /** {@link PublishOptions.correlationId}. */
  readonly correlationId: string | undefined;
  /** {@link PublishOptions.replyTo}. */
  readonly replyTo: string | undefined;
  /** {@link PublishOptions.persistent}. */
  readonly persistent: boolean | undefined;
  /** {@link PublishOptions.priority}. */
  readonly priority: number | undefined;
  /** {@link PublishOptions.ttlMs}. */
  readonly ttlMs: number | undefined;
  /** Set on re-sends after a failover. Carried in the {@link POSSIBLE_DUPLICATE_HEADER} header where headers exist. */
  readonly possibleDuplicate: boolean;
}

/**
 * The header that carries the possible-duplicate flag across protocols. Transports write it on re-sends
 * and remove it from `Delivery.headers` on receipt, setting `Delivery.possibleDuplicate` instead.
 */
export const POSSIBLE_DUPLICATE_HEADER = 'umq-possible-duplicate';

/** A subscription or consumer as the client asks a transport to establish it (again after each failover). */
export interface SubscriptionRequest {
  /** Stable across reconnects, unique within the client: usable as a protocol subscription id. */
  readonly id: string;
  /** A topic subscription or a queue consumer. */
  readonly kind: DestinationKind;
  /** A validated pattern: `.`-separated, `*` one segment, `#` zero or more trailing segments. */
  readonly destination: string;
  /** Upper bound on unacknowledged deliveries the broker may push. */
  readonly prefetch: number;
  /** The durable subscription's name ({@link SubscribeOptions.durable}), if any. */
  readonly durable: string | undefined;
  /**
   * True when every delivery will be settled by `ack`/`nack` (the core always settles explicitly, so
   * transports should use their protocol's client-ack mode whenever this is true).
   */
  readonly settle: boolean;
}

/** One message received. Plain data: the core wraps it into the public `Message`. */
export interface Delivery {
  /** {@link Message.destination}, mapped back to the `.`-separated form. */
  readonly destination: string;
  /** {@link Message.bytes}. */
  readonly bytes: Uint8Array;
  /**
   * The body already typed by the protocol, when it has types of its own (an AMQP `amqp-value` string,
   * map or list); the core then uses it as `Message.body` instead of decoding `bytes`.
   */
  readonly body?: unknown;
  /** {@link Message.headers}, without protocol-internal headers. */
  readonly headers: Headers;
  /** {@link Message.messageId}. */
  readonly messageId: string | undefined;
  /** {@link Message.correlationId}. */
  readonly correlationId: string | undefined;
  /** {@link Message.replyTo}. */
  readonly replyTo: string | undefined;
  /** {@link Message.contentType}. */
  readonly contentType: string | undefined;
  /** {@link Message.priority}. */
  readonly priority: number | undefined;
  /** {@link Message.expiresAt}. */
  readonly expiresAt: number | undefined;
  /** {@link Message.redelivered}. */
  readonly redelivered: boolean;
  /** {@link Message.possibleDuplicate}. */
  readonly possibleDuplicate: boolean;
  /** The transport's handle for ack/nack (a delivery tag, a packet id, an AMQP delivery…). */
  readonly tag: unknown;
}

/** A subscription a transport established: the handle to stop it. */
export interface TransportSubscription {
  /** Stops deliveries for this subscription. Messages delivered but unsettled go back to the broker. */
  unsubscribe(): Promise<void>;
}

/**
 * What `ack`, `nack` and an unconfirmed `publish` return when they are done at once (the common case):
 * one promise settled for good, shared, so that a message costs no promise of its own, and the core
 * attaches no handler to it.
 */
export const SETTLED: Promise<void> = Promise.resolve();

/** One open connection of a transport to one endpoint. The client never uses it after it was lost. */
export interface TransportConnection {
  /** The endpoint this connection is open to. */
  readonly endpoint: Endpoint;
  /** What this connection can do on its broker (the client's `capabilities`). */
  readonly capabilities: Capabilities;
  /**
   * Writes one message. With `confirm`, resolves when the broker confirmed it (PUBACK, RECEIPT,
   * `accepted`); without, when it is written (`SETTLED` when that was at once). Rejects with a retryable
   * error when the connection is lost first, and with a non-retryable one when the broker refused the message.
   * Must not await anything before writing: the core pipelines many publishes.
   */
  publish(message: OutgoingMessage, confirm: boolean): Promise<void>;
  /** Establishes a subscription or consumer and calls `deliver` for each message; resolves once the broker confirmed it. */
  subscribe(request: SubscriptionRequest, deliver: (delivery: Delivery) => void): Promise<TransportSubscription>;
  /** Acknowledges one delivery received on this connection (`SETTLED` when done at once). */
  ack(delivery: Delivery): Promise<void>;
  /** Gives one delivery back to the broker (`requeue`), or rejects it. */
  nack(delivery: Delivery, requeue: boolean): Promise<void>;
  /** Closes gracefully. After it, `onLost` is never called. */
  close(): Promise<void>;
  /**
   * Request/reply (optional; without it `request()` rejects with UnsupportedError): opens the one reply
   * address this connection owns, and hands every message that arrives there to `deliver`. Resolves with
   * the address to put in `replyTo`, in the form `Delivery.replyTo` takes on the serving side.
   *
   * The core calls it at most once per connection, and only once the client has made a request; it
   * lives as long as the connection (a STOMP `/temp-queue/`, an AMQP dynamic node, an MQTT reply topic).
   * The core owns correlation, time-outs and re-sends (../core/request-reply.ts). Replies need no ack: the
   * transport settles them itself. Rejects with UnsupportedError, saying what to change, where the
   * protocol cannot carry a reply address on this connection.
   */
  openReplyAddress?(deliver: (delivery: Delivery) => void): Promise<string>;
}

/**
 * A protocol adapter, as returned by `mqtt()`, `amqp()`, `stomp()` and `memory()`: pass it as
 * `ConnectOptions.transport`. Implement it only to add a protocol; the client does the rest.
 */
export interface Transport {
  /** The protocol it speaks, used in error messages. */
  readonly protocol: Protocol;
  /** The endpoint schemes this transport can open; any other is an error at `connect`, not a hang. */
  readonly schemes: readonly string[];
  /** Opens a connection and completes the protocol handshake; rejects with a typed error (`AuthenticationError`, …). */
  open(endpoint: Endpoint, options: OpenOptions): Promise<TransportConnection>;
}
