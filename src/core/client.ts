/**
 * The client: one connection at a time, chosen by the endpoint walk, with the state machine, the
 * subscription registry and the publish pipeline around it. Everything protocol-specific is behind
 * the Transport interface.
 */
import { EventEmitter } from 'eventemitter3';
import {
  ClosedError,
  ConnectionError,
  InvalidArgumentError,
  PayloadTooLargeError,
  TimeoutError,
  UnifiedMqError,
  UnsupportedError,
} from './errors.js';
import { DeliveryFaults } from './delivery-faults.js';
import { validateName } from './destination.js';
import { walkEndpoints } from './failover.js';
import type { ConnectionEpoch } from './message.js';
import { randomId, resolveOptions, type ConnectOptions, type ResolvedOptions } from './options.js';
import { platform as currentPlatform, type Platform } from './platform.node.js';
import { Publisher } from './publisher.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, RequestReply } from './request-reply.js';
import { replyingHandler, type ServeHandler } from './serve.js';
import { canTransition } from './state.js';
import { Subscriptions, type MessageStream } from './subscriptions.js';
import type { DestinationKind, Endpoint, OutgoingMessage } from './transport.js';
import type {
  Capabilities,
  ClientEvents,
  ClientState,
  ConsumeOptions,
  Message,
  MessageHandler,
  PublishOptions,
  RequestOptions,
  ServeOptions,
  SubscribeOptions,
} from './types.js';

/** Options of `client.close()`. */
export interface CloseOptions {
  /** Flush the offline buffer and wait for confirmations first (default true). */
  drain?: boolean;
  /** Longest wait for the drain before what is left is rejected with ClosedError (default 30 s). */
  timeoutMs?: number;
}

/** A live subscription (topic) made with a handler. */
export interface Subscription {
  /** Unique within the client, and the same after a failover. */
  readonly id: string;
  /** The pattern subscribed to. */
  readonly destination: string;
  /** Stops the subscription; messages delivered but not yet handled go back to the broker. */
  unsubscribe(): Promise<void>;
}

/** A live queue consumer made with a handler. */
export interface Consumer {
  /** Unique within the client, and the same after a failover. */
  readonly id: string;
  /** The queue consumed. */
  readonly destination: string;
  /** Stops consuming; messages delivered but not yet acknowledged go back to the queue. */
  cancel(): Promise<void>;
}

/** The largest TTL every protocol can carry: AMQP 1.0 `ttl` is a uint of milliseconds (§3.2.1). */
const MAX_TTL_MS = 2 ** 32 - 1;

/**
 * A connection to a broker (or to whichever of its endpoints is up) that survives failovers: publish, send,
 * subscribe and consume through it, and listen to its typed {@link ClientEvents}. Create one with {@link connect}.
 */
export class Client extends EventEmitter<ClientEvents> {
  /** The client's id on the broker: `ConnectOptions.clientId`, or the one generated. */
  readonly clientId: string;
  readonly #options: ResolvedOptions;
  readonly #platform: Platform;
  readonly #publisher: Publisher;
  readonly #subscriptions: Subscriptions;
  readonly #deliveryFaults = new DeliveryFaults();
  readonly #requests: RequestReply;
  readonly #shutdown = new AbortController();
  #state: ClientState = 'connecting';
  #epoch: ConnectionEpoch | undefined;
  #endpointIndex = 0;
  #capabilities: Capabilities | undefined;
  #closing = false;
  readonly #messageIdPrefix: string;
  #messageSeq = 0;

  /** @internal Use {@link connect}; the constructor is not part of the public API. */
  constructor(options: ResolvedOptions, platform: Platform = currentPlatform) {
    super();
    platform.checkTls(options.tls);
    this.#options = options;
    this.#platform = platform;
    this.clientId = options.clientId;
    this.#publisher = new Publisher(options.buffer, options.publishTimeoutMs);
    this.#messageIdPrefix = `${randomId(8)}-`;
    this.#subscriptions = new Subscriptions({
      protocol: options.transport.protocol,
      codec: options.codec,
      capabilities: () => this.#capabilities!,
      epoch: () => this.#epoch,
      isClosed: () => this.#closing || this.#state === 'closed',
      onError: (error) => this.emit('error', { error }),
    });
    this.#requests = new RequestReply({ codec: options.codec, logger: options.logger, epoch: () => this.#epoch });
  }

  /** Where the client is in its life: `'connecting'`, `'connected'`, `'reconnecting'` or `'closed'`. */
  get state(): ClientState { return this.#state; }

  /** The current endpoint, with its password removed; undefined while disconnected. */
  get endpoint(): string | undefined {
    return this.#epoch?.alive ? this.#epoch.connection.endpoint.display : undefined;
  }

  /** What the transport can do on the broker of the current (or last) connection. */
  get capabilities(): Capabilities {
    return this.#capabilities!;
  }

  // ----- lifecycle -------------------------------------------------------------------------------

  /** @internal Connects for the first time; `connect()` calls it. */
  async start(): Promise<void> {
    const userSignal = this.#options.signal;
    const signal = userSignal ? AbortSignal.any([userSignal, this.#shutdown.signal]) : this.#shutdown.signal;
    try {
      await this.#connectLoop(0, this.#options.failover.startupMaxAttempts, signal, undefined);
    } catch (error) {
      this.#setState('closed');
      this.#shutdown.abort();
      if (userSignal?.aborted) throw new ConnectionError('connect() was aborted by its signal', { cause: userSignal.reason });
      throw error;
    }
  }

  #setState(next: ClientState): void {
    if (this.#state === next) return;
    if (!canTransition(this.#state, next)) return;
    this.#state = next;
  }

  async #connectLoop(startIndex: number, maxPasses: number, signal: AbortSignal, lost: { endpoint: Endpoint; at: number } | undefined): Promise<void> {
    const { endpoints, failover } = this.#options;
    for (;;) {
      const { value: epoch, index } = await walkEndpoints({
        endpoints,
        startIndex,
        maxPasses,
        settings: failover,
        signal,
        open: (endpoint) => this.#open(endpoint, signal),
        wake: this.#platform.wake,
        onAttempt: ({ attempt, delayMs, endpoint }) => {
          if (lost) this.emit('reconnecting', { attempt, delayMs, endpoint: endpoint.display });
        },
      });
      if (await this.#activate(epoch, index, lost)) return;
      startIndex = (index + 1) % endpoints.length;
    }
  }

  /** Makes a fresh connection current: restore subscriptions, then flush the buffer. False if it died meanwhile. */
  async #activate(epoch: ConnectionEpoch, index: number, lost: { endpoint: Endpoint; at: number } | undefined): Promise<boolean> {
    this.#epoch = epoch;
    this.#endpointIndex = index;
    this.#capabilities = epoch.connection.capabilities;
    const restored = await this.#subscriptions.restore(epoch);
    if (!epoch.alive) return false;
    this.#publisher.connected(epoch);
    if (!epoch.alive) return false;
    this.#requests.connected(epoch);
    this.#setState('connected');
    const display = epoch.connection.endpoint.display;
    this.#options.logger?.info?.('connected', { endpoint: display });
    this.emit('connected', { endpoint: display });
    if (lost) {
      this.emit('resubscribed', { count: restored });
      this.emit('failover', { from: lost.endpoint.display, to: display, downtimeMs: Date.now() - lost.at });
    }
    this.#schedulePriorityProbe();
    return true;
  }

  /**
   * priorityBackup: while on a backup, probe the first endpoint now and then, and move back to it as
   * soon as it completes a handshake (ActiveMQ's failover transport option of the same name).
   */
  #schedulePriorityProbe(): void {
    if (!this.#options.failover.priorityBackup || this.#endpointIndex === 0) return;
    const epoch = this.#epoch;
    const periodMs = Math.max(1000, this.#options.failover.maxDelayMs);
    const timer = setTimeout(async () => {
      if (this.#epoch !== epoch || !epoch?.alive || this.#closing) return;
      let primary: ConnectionEpoch;
      try {
        primary = await this.#open(this.#options.endpoints[0]!, this.#shutdown.signal);
      } catch {
        this.#schedulePriorityProbe();
        return;
      }
      if (this.#epoch !== epoch || !epoch.alive || this.#closing || this.#state !== 'connected') {
        primary.alive = false;
        await primary.connection.close().catch(() => undefined);
        return;
      }
      await this.#switchTo(primary, 0);
    }, periodMs);
    (timer as { unref?: () => void }).unref?.();
  }

  /** A planned move to another connection: the old one is closed gracefully (its unacked messages go back). */
  async #switchTo(next: ConnectionEpoch, index: number): Promise<void> {
    const old = this.#epoch!;
    const lost = { endpoint: old.connection.endpoint, at: Date.now() };
    this.#setState('reconnecting');
    old.alive = false;
    this.#epoch = undefined;
    this.#publisher.connectionLost();
    await old.connection.close().catch(() => undefined);
    if (await this.#activate(next, index, lost)) return;
    const count = this.#options.endpoints.length;
    this.#connectLoop((index + 1) % count, this.#options.failover.maxAttempts, this.#shutdown.signal, lost).catch((fatal: unknown) =>
      this.#fail(fatal),
    );
  }

  /** Opens one endpoint, bounded by connectTimeoutMs, and binds loss reports to the new epoch. */
  async #open(endpoint: Endpoint, outer: AbortSignal): Promise<ConnectionEpoch> {
    const { transport, connectTimeoutMs } = this.#options;
    const { dial, tls } = dialed(endpoint, this.#options);
    const attempt = new AbortController();
    const timer = setTimeout(
      () => attempt.abort(new TimeoutError(`${endpoint.display} did not complete the handshake within ${connectTimeoutMs} ms (connectTimeoutMs)`)),
      connectTimeoutMs,
    );
    const onOuterAbort = () => attempt.abort(outer.reason);
    outer.addEventListener('abort', onOuterAbort, { once: true });
    const holder: { epoch: ConnectionEpoch | undefined; early: UnifiedMqError | undefined } = { epoch: undefined, early: undefined };
    const opening = transport.open(dial, {
      clientId: this.#options.clientId,
      username: this.#options.username ?? endpoint.username,
      password: this.#options.password ?? endpoint.password,
      heartbeatMs: this.#options.heartbeatMs,
      connectTimeoutMs,
      tls,
      signal: attempt.signal,
      logger: this.#options.logger,
      onLost: (error) => {
        if (holder.epoch) this.#connectionLost(holder.epoch, error);
        else holder.early = error;
      },
    });
    try {
      // A transport that ignores the signal must not hang the walk: race it.
      const connection = await new Promise<Awaited<typeof opening>>((resolve, reject) => {
        if (attempt.signal.aborted) reject(attempt.signal.reason);
        attempt.signal.addEventListener('abort', () => reject(attempt.signal.reason), { once: true });
        opening.then(resolve, reject);
      });
      const epoch: ConnectionEpoch = { connection, alive: holder.early === undefined };
      holder.epoch = epoch;
      if (holder.early) throw holder.early;
      return epoch;
    } catch (error) {
      opening.then((late) => late.close(), () => undefined);
      throw error;
    } finally {
      clearTimeout(timer);
      outer.removeEventListener('abort', onOuterAbort);
    }
  }

  #connectionLost(epoch: ConnectionEpoch, error: UnifiedMqError): void {
    if (!epoch.alive) return;
    epoch.alive = false;
    if (this.#epoch !== epoch) return;
    this.#epoch = undefined;
    this.#publisher.connectionLost(error);
    if (this.#closing && this.#shutdown.signal.aborted) return;
    const endpoint = epoch.connection.endpoint;
    this.#options.logger?.warn?.('connection lost', { endpoint: endpoint.display, error: error.message });
    this.emit('disconnected', { endpoint: endpoint.display, error });
    const poisoned = this.#deliveryFaults.lost(error, epoch.delivered === true);
    if (poisoned) {
      this.#fail(poisoned);
      return;
    }
    // While connecting or restoring, the loop in progress notices the dead epoch and walks on.
    if (this.#state !== 'connected') return;
    this.#setState('reconnecting');
    const count = this.#options.endpoints.length;
    this.#connectLoop((this.#endpointIndex + 1) % count, this.#options.failover.maxAttempts, this.#shutdown.signal, {
      endpoint,
      at: Date.now(),
    }).catch((fatal: unknown) => this.#fail(fatal));
  }

  /** The client cannot go on (attempts exhausted, credentials refused): close it with this error. */
  #fail(error: unknown): void {
    if (this.#state === 'closed' || this.#shutdown.signal.aborted) return;
    const cause = error instanceof UnifiedMqError ? error : new ConnectionError('Reconnecting failed', { cause: error });
    this.#setState('closed');
    this.#shutdown.abort(cause);
    this.#publisher.failAll(cause);
    this.#requests.failAll(cause);
    this.#subscriptions.endAll(cause);
    this.emit('error', { error: cause });
  }

  // ----- subscriptions ---------------------------------------------------------------------------

  /** Subscribes to a topic pattern (fan-out). With a handler, resolves once established. */
  subscribe<T = unknown>(pattern: string, handler: MessageHandler<T>, options?: SubscribeOptions): Promise<Subscription>;
  /** Without a handler: an async iterable of messages. */
  subscribe<T = unknown>(pattern: string, options?: SubscribeOptions): MessageStream<T>;
  subscribe<T = unknown>(pattern: string, handlerOrOptions?: MessageHandler<T> | SubscribeOptions, options?: SubscribeOptions): Promise<Subscription> | MessageStream<T> {
    const started = this.#subscriptions.open<T>('topic', pattern, handlerOrOptions, options);
    if (!(started instanceof Promise)) return started;
    return started.then((entry) => ({
      id: entry.request.id,
      destination: pattern,
      unsubscribe: () => this.#subscriptions.cancel(entry),
    }));
  }

  /** Consumes a queue (point-to-point, competing consumers). With a handler, resolves once established. */
  consume<T = unknown>(queue: string, handler: MessageHandler<T>, options?: ConsumeOptions): Promise<Consumer>;
  consume<T = unknown>(queue: string, options?: ConsumeOptions): MessageStream<T>;
  consume<T = unknown>(queue: string, handlerOrOptions?: MessageHandler<T> | ConsumeOptions, options?: ConsumeOptions): Promise<Consumer> | MessageStream<T> {
    const started = this.#subscriptions.open<T>('queue', queue, handlerOrOptions, options);
    if (!(started instanceof Promise)) return started;
    return started.then((entry) => ({
      id: entry.request.id,
      destination: queue,
      cancel: () => this.#subscriptions.cancel(entry),
    }));
  }

  // ----- publishing ------------------------------------------------------------------------------

  /** Publishes to a topic (fan-out). Resolves when the broker confirmed it (see PublishOptions.confirm). */
  publish(destination: string, body: unknown, options?: PublishOptions): Promise<void> {
    return this.#publish('topic', destination, body, options);
  }

  /** Sends to a queue (point-to-point). */
  send(destination: string, body: unknown, options?: PublishOptions): Promise<void> {
    return this.#publish('queue', destination, body, options);
  }

  #publish(kind: DestinationKind, destination: string, body: unknown, options: PublishOptions | undefined): Promise<void> {
    try {
      return this.#publisher.publish(this.#outgoing(kind, destination, body, options), options?.confirm ?? true);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** A validated, encoded message. Throws what the caller rejects with. */
  #outgoing(kind: DestinationKind, destination: string, body: unknown, options: PublishOptions | undefined): OutgoingMessage {
    if (this.#closing || this.#state === 'closed') throw new ClosedError();
    validateName(destination);
    const capabilities = this.#capabilities!;
    const { bytes, contentType } = this.#options.codec.encode(body, options?.contentType);
    if (bytes.byteLength > capabilities.maxMessageBytes) {
      throw new PayloadTooLargeError(bytes.byteLength, capabilities.maxMessageBytes, 'The message body');
    }
    if (kind === 'queue' && !capabilities.queues) {
      throw new UnsupportedError(`The ${this.#options.transport.protocol} transport has no queues on this broker; publish to a topic, or use the STOMP or AMQP transport for queues`);
    }
    const headers = options?.headers;
    if (headers !== undefined) checkHeaders(headers);
    if (options?.priority !== undefined && !(Number.isInteger(options.priority) && options.priority >= 0 && options.priority <= 9)) {
      throw InvalidArgumentError.format('priority', `must be an integer from 0 to 9, got ${String(options.priority)}`);
    }
    if (options?.ttlMs !== undefined && !(Number.isInteger(options.ttlMs) && options.ttlMs > 0 && options.ttlMs <= MAX_TTL_MS)) {
      throw InvalidArgumentError.format('ttlMs', `must be a whole number of milliseconds from 1 to ${MAX_TTL_MS} (AMQP's limit, about 49.7 days), got ${String(options.ttlMs)}`);
    }
    if (options?.priority !== undefined && !capabilities.priority) {
      throw new UnsupportedError(`The ${this.#options.transport.protocol} transport cannot carry priority on this broker; leave priority unset`);
    }
    if (options?.ttlMs !== undefined && !capabilities.ttl) {
      throw new UnsupportedError(`The ${this.#options.transport.protocol} transport cannot carry a TTL on this broker; leave ttlMs unset`);
    }
    return {
      kind,
      destination,
      bytes,
      headers,
      contentType,
      messageId: options?.messageId ?? this.#nextMessageId(),
      correlationId: options?.correlationId,
      replyTo: options?.replyTo,
      persistent: options?.persistent,
      priority: options?.priority,
      ttlMs: options?.ttlMs,
      possibleDuplicate: false,
    };
  }

  #nextMessageId(): string {
    return this.#messageIdPrefix + (this.#messageSeq++).toString(36);
  }

  // ----- request/reply ---------------------------------------------------------------------------

  /**
   * Sends a request to a queue, with a reply address this client owns and a correlationId, and resolves
   * with the first reply carrying that correlationId. Rejects with TimeoutError after `timeoutMs`
   * (default 30 s, failovers included), with the signal's reason when `signal` aborts, or with
   * UnsupportedError where the protocol cannot carry a reply address. Requests waiting during a failover
   * are sent again on the next connection (see ./request-reply.ts). On a transport without queues
   * (MQTT 3.1.1) the request travels on a topic: every serving client gets it and the first reply wins.
   */
  request<T = unknown>(destination: string, body: unknown, options?: RequestOptions): Promise<Message<T>> {
    try {
      const timeoutMs = options?.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
      if (typeof timeoutMs !== 'number' || !(timeoutMs > 0) || timeoutMs > 2 ** 31 - 1) {
        throw InvalidArgumentError.format('timeoutMs', `must be a positive number of milliseconds up to 2^31-1, got ${String(timeoutMs)}`);
      }
      if (options?.replyTo !== undefined) {
        throw InvalidArgumentError.format('replyTo', 'is set by request() to the reply address this client owns; use send() to name your own');
      }
      const kind = this.#capabilities!.queues ? 'queue' : 'topic';
      const message = this.#outgoing(kind, destination, body, options);
      const withCorrelation = { ...message, correlationId: message.correlationId ?? message.messageId };
      return this.#requests.request(withCorrelation, timeoutMs, options?.signal) as Promise<Message<T>>;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Consumes a queue of requests and sends each handler's return value to the request's `replyTo`, with
   * its correlationId. The request is acked once the reply is confirmed; a handler that throws sends no
   * reply and nacks it. At-least-once: a request may come again after a failover (`possibleDuplicate`).
   */
  serve<T = unknown>(destination: string, handler: ServeHandler<T>, options?: ServeOptions): Promise<Consumer> {
    const replying = replyingHandler(destination, handler, {
      codec: this.#options.codec,
      logger: this.#options.logger,
      nextMessageId: () => this.#nextMessageId(),
      publish: (message) => this.#publisher.publish(message, true),
    });
    const consumeOptions = { ...options, ack: 'auto' as const };
    if (this.#capabilities?.queues === false) {
      return this.subscribe(destination, replying, consumeOptions).then((sub) => ({ id: sub.id, destination, cancel: () => sub.unsubscribe() }));
    }
    return this.consume(destination, replying, consumeOptions);
  }

  /** Messages waiting for a connection, and messages written but not yet confirmed. */
  get pending(): {
    /** Held in the offline buffer until a connection is up. */
    buffered: number;
    /** Written to the broker and not yet confirmed. */
    inFlight: number;
  } {
    return { buffered: this.#publisher.buffered, inFlight: this.#publisher.inFlight };
  }

  // ----- close -----------------------------------------------------------------------------------

  /** Closes the client. By default it first flushes the offline buffer and waits for confirmations. */
  async close(options?: CloseOptions): Promise<void> {
    if (this.#closing || this.#state === 'closed') return;
    this.#closing = true;
    if (options?.drain ?? true) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        this.#publisher.drained(),
        new Promise<void>((resolve) => { timer = setTimeout(resolve, options?.timeoutMs ?? 30_000); }),
      ]);
      clearTimeout(timer);
    }
    this.#shutdown.abort(new ClosedError());
    const closed = new ClosedError();
    this.#publisher.failAll(closed);
    this.#requests.failAll(closed);
    this.#subscriptions.endAll();
    const epoch = this.#epoch;
    this.#epoch = undefined;
    this.#setState('closed');
    if (epoch?.alive) {
      epoch.alive = false;
      await epoch.connection.close().catch(() => undefined);
    }
    this.removeAllListeners();
  }
}

/**
 * The endpoint to dial after the `resolve` option: another host and port, with TLS still verifying the
 * endpoint's own host name. The transport's connection then reports the endpoint it was given.
 */
function dialed(endpoint: Endpoint, options: ResolvedOptions): { dial: Endpoint; tls: ResolvedOptions['tls'] } {
  const target = options.resolve?.({ host: endpoint.host, port: endpoint.port });
  if (target === undefined) return { dial: endpoint, tls: options.tls };
  if (typeof target.host !== 'string' || target.host === '' || !Number.isInteger(target.port) || target.port < 1 || target.port > 65535) {
    throw InvalidArgumentError.format('resolve', `must return { host, port } with a port from 1 to 65535, or undefined; got ${JSON.stringify(target)} for ${endpoint.display}`);
  }
  return {
    dial: { ...endpoint, host: target.host, port: target.port },
    tls: endpoint.secure ? { ...options.tls, servername: options.tls?.servername ?? endpoint.host } : options.tls,
  };
}

function checkHeaders(headers: Record<string, string>): void {
  for (const key in headers) {
    if (typeof headers[key] !== 'string') {
      throw InvalidArgumentError.format(`headers.${key}`, `must be a string, got ${typeof headers[key]}`);
    }
  }
}

/**
 * Connects to the first endpoint that completes a protocol handshake, walking the list with backoff.
 * Rejects with ConnectionError (naming every endpoint and why it failed) after `startupMaxAttempts`
 * passes, or with AuthenticationError at once when the broker refuses the credentials.
 */
export async function connect(options: ConnectOptions): Promise<Client> {
  const client = new Client(resolveOptions(options));
  await client.start();
  return client;
}
