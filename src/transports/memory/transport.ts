/**
 * The transport for `memory://NAME` endpoints: an in-process connection to a MemoryBroker, with a
 * heartbeat (the broker answers pings through its outbox, so a hung broker is detected like a silent
 * socket).
 */
import { ConnectionError, PayloadTooLargeError, UnifiedMqError } from '../../core/errors.js';
import {
  SETTLED,
  type Delivery,
  type Endpoint,
  type OpenOptions,
  type OutgoingMessage,
  type SubscriptionRequest,
  type Transport,
  type TransportConnection,
  type TransportSubscription,
} from '../../core/transport.js';
import type { Capabilities } from '../../core/types.js';
import { startSilenceWatchdog, type SilenceWatchdog } from '../kit/watchdog.js';
import { lookupBroker, type BrokerSession, type MemoryPeer } from './broker.js';

/** The subscription id the broker delivers replies under; core subscription ids look like `sub-1`, `con-2`. */
const REPLY_SUBSCRIPTION = 'reply';

class MemoryConnection implements TransportConnection, MemoryPeer {
  readonly capabilities: Capabilities;
  #session: BrokerSession | undefined;
  #watchdog: SilenceWatchdog | undefined;
  /** When the broker last answered a ping or delivered something. */
  #lastHeardAt = Date.now();
  #closed = false;
  readonly #subscriptions = new Map<string, (delivery: Delivery) => void>();

  constructor(readonly endpoint: Endpoint, private readonly options: OpenOptions, maxMessageBytes: number) {
    this.capabilities = {
      queues: true,
      wildcards: true,
      headers: true,
      durableSubscriptions: false,
      nack: true,
      priority: true,
      ttl: true,
      maxMessageBytes,
      binaryBodies: true,
    };
  }

  attach(session: BrokerSession): void {
    this.#session = session;
    const { heartbeatMs } = this.options;
    this.#lastHeardAt = Date.now();
    // Checked every heartbeatMs/2, with a ping on each tick of a silence: a silent broker is dead within 1.5 × heartbeatMs.
    this.#watchdog = startSilenceWatchdog({
      deadAfterMs: heartbeatMs,
      checkEveryMs: heartbeatMs / 2,
      lastHeardAt: () => this.#lastHeardAt,
      ping: { afterMs: 0, send: () => void session.ping().then(() => void (this.#lastHeardAt = Date.now())) },
      onDead: (silentMs) =>
        this.lost(new ConnectionError(`${this.endpoint.display} did not answer heartbeats for ${silentMs} ms; the connection is considered dead`)),
    });
  }

  // MemoryPeer: called by the broker.
  deliver(subscriptionId: string, delivery: Delivery): void {
    this.#lastHeardAt = Date.now();
    this.#subscriptions.get(subscriptionId)?.(delivery);
  }

  lost(error: UnifiedMqError): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#watchdog?.stop();
    this.#session?.end(true);
    this.options.onLost(error);
  }

  publish(message: OutgoingMessage, confirm: boolean): Promise<void> {
    const session = this.#session!;
    if (message.bytes.byteLength > this.capabilities.maxMessageBytes) {
      return Promise.reject(new PayloadTooLargeError(message.bytes.byteLength, this.capabilities.maxMessageBytes, 'The message body'));
    }
    return session.publish(message.kind, message, confirm);
  }

  async subscribe(request: SubscriptionRequest, deliver: (delivery: Delivery) => void): Promise<TransportSubscription> {
    const session = this.#session!;
    this.#subscriptions.set(request.id, deliver);
    await session.subscribe(request.kind, request.id, request.destination, request.prefetch);
    return {
      unsubscribe: async () => {
        this.#subscriptions.delete(request.id);
        await session.unsubscribe(request.id);
      },
    };
  }

  ack(delivery: Delivery): Promise<void> {
    this.#session!.settle(delivery.tag, 'ack');
    return SETTLED;
  }

  nack(delivery: Delivery, requeue: boolean): Promise<void> {
    this.#session!.settle(delivery.tag, requeue ? 'requeue' : 'reject');
    return SETTLED;
  }

  /** A temporary queue of this connection's own (see BrokerSession.openReply). */
  openReplyAddress(deliver: (delivery: Delivery) => void): Promise<string> {
    this.#subscriptions.set(REPLY_SUBSCRIPTION, deliver);
    return this.#session!.openReply(REPLY_SUBSCRIPTION);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#watchdog?.stop();
    this.#session?.end(true);
  }
}

/**
 * The transport for {@link MemoryBroker}s in the same process: `connect({ transport: memory(), endpoints: ['memory://a', 'memory://b'] })`.
 * It has no options; the broker's behaviour is set on the broker.
 */
export function memory(): Transport {
  return {
    protocol: 'memory',
    schemes: ['memory'],
    async open(endpoint, options) {
      const broker = lookupBroker(endpoint.host);
      if (!broker) throw new ConnectionError(`${endpoint.display}: no in-memory broker is started under that name (connection refused)`, { refused: true });
      const connection = new MemoryConnection(endpoint, options, broker.maxMessageBytes);
      const session = await new Promise<BrokerSession>((resolve, reject) => {
        options.signal.addEventListener('abort', () => reject(options.signal.reason), { once: true });
        broker.connect(connection, options.username, options.password).then((accepted) => {
          if (options.signal.aborted) accepted.end(true);
          else resolve(accepted);
        }, reject);
      });
      connection.attach(session);
      return connection;
    },
  };
}
