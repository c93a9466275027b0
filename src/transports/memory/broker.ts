/**
 * An in-process broker: topics with wildcard fan-out, queues with competing consumers, prefetch,
 * ack/nack/redelivery, TTL, priority and headers, plus fault injection. Two brokers built on one
 * MemoryStore behave like an active/standby pair: only the holder of the store accepts connections.
 *
 * Frames from the broker to a client go through a per-connection outbox that is flushed on a timer,
 * so confirmations and deliveries are genuinely "on the wire" for a moment: a crash loses them, the
 * way a killed broker loses what it had not yet written to the socket.
 */
import { AuthenticationError, ConnectionError, InvalidArgumentError, UnifiedMqError } from '../../core/errors.js';
import { matcher } from '../../core/destination.js';
import type { Delivery, DestinationKind, OutgoingKind, OutgoingMessage } from '../../core/transport.js';
import { MemoryStore, type QueueState, type StoredMessage } from './store.js';

const registry = new Map<string, MemoryBroker>();

// A macrotask, so that frames are really "on the wire" between turns; setImmediate where the platform
// has it (setTimeout(0) costs ~1 ms in Node and is clamped to 4 ms in browsers).
const nextTurn: (fn: () => void) => void =
  typeof globalThis.setImmediate === 'function' ? (fn) => globalThis.setImmediate(fn) : (fn) => setTimeout(fn, 0);

/** The broker registered as `memory://name`, if it is started. */
export function lookupBroker(name: string): MemoryBroker | undefined {
  return registry.get(name);
}

/** Options of a {@link MemoryBroker}: its name, an optional shared store, users and a size limit. */
export interface MemoryBrokerOptions {
  /** The broker answers at `memory://NAME` while it is started. */
  name: string;
  /** Share one store between two brokers to make an active/standby pair. */
  store?: MemoryStore;
  /** If set, connections must present one of these username → password pairs. */
  users?: Record<string, string>;
  /** The largest message body it accepts (default 4 MiB); a larger one rejects with `PayloadTooLargeError`. */
  maxMessageBytes?: number;
}

/** `'active'` accepts connections; `'standby'` waits for the shared store; `'stopped'` and `'crashed'` are down. */
export type MemoryBrokerStatus = 'stopped' | 'standby' | 'active' | 'crashed';

/** @internal The client side of a connection, as the broker sees it. */
export interface MemoryPeer {
  deliver(subscriptionId: string, delivery: Delivery): void;
  lost(error: UnifiedMqError): void;
}

interface QueueConsumer {
  readonly session: BrokerSession;
  readonly id: string;
  readonly queue: string;
  readonly prefetch: number;
  readonly inFlight: Set<StoredMessage>;
}

interface QueueTag {
  readonly consumer: QueueConsumer;
  readonly message: StoredMessage;
}

/** @internal One client connection, as the broker sees it. */
export class BrokerSession {
  alive = true;
  readonly topicSubscriptions = new Map<string, (name: string) => boolean>();
  readonly consumers = new Map<string, QueueConsumer>();
  /** This connection's temporary reply queue (request/reply): its address and the subscription id it feeds. */
  reply: { address: string; id: string } | undefined;
  #outbox: Array<() => void> = [];
  #scheduled = false;

  constructor(readonly broker: MemoryBroker, readonly peer: MemoryPeer) {}

  /** Queues a frame to the client. */
  send(frame: () => void): void {
    if (!this.alive) return;
    this.#outbox.push(frame);
    if (!this.#scheduled) {
      this.#scheduled = true;
      nextTurn(() => this.#flush());
    }
  }

  #flush(): void {
    this.#scheduled = false;
    if (!this.alive || this.broker.hung) return; // a hung broker writes nothing
    const frames = this.#outbox;
    this.#outbox = [];
    for (const frame of frames) {
      if (!this.alive) return;
      frame();
    }
  }

  /** Ends the connection. `requeue`: give this client's unacked messages back (not on a crash). */
  end(requeue: boolean): void {
    if (!this.alive) return;
    this.alive = false;
    this.#outbox = [];
    for (const consumer of this.consumers.values()) this.broker.removeConsumer(consumer, requeue);
    this.consumers.clear();
    this.topicSubscriptions.clear();
    if (this.reply) this.broker.replyAddresses.delete(this.reply.address);
    this.broker.sessions.delete(this);
  }

  /**
   * A temporary queue that lives as long as this connection, like a JMS temporary queue: replies sent
   * to it after the connection ended are dropped.
   */
  openReply(id: string): Promise<string> {
    if (!this.alive) return Promise.reject(new ConnectionError('The in-memory connection is closed'));
    if (this.broker.hung) return new Promise(() => undefined);
    const address = `/temp-queue/${this.broker.name}/${this.broker.nextReplySeq()}`;
    this.reply = { address, id };
    this.broker.replyAddresses.set(address, this);
    return new Promise((resolve) => this.send(() => resolve(address)));
  }

  publish(kind: OutgoingKind, message: OutgoingMessage, confirm: boolean): Promise<void> {
    if (!this.alive) return Promise.reject(new ConnectionError('The in-memory connection is closed'));
    if (this.broker.hung) return new Promise(() => undefined);
    this.broker.route(kind, message);
    if (!confirm) return Promise.resolve();
    return new Promise((resolve) => this.send(resolve));
  }

  subscribe(kind: DestinationKind, id: string, pattern: string, prefetch: number): Promise<void> {
    if (!this.alive) return Promise.reject(new ConnectionError('The in-memory connection is closed'));
    if (this.broker.hung) return new Promise(() => undefined);
    if (kind === 'topic') this.topicSubscriptions.set(id, matcher(pattern));
    else {
      const consumer: QueueConsumer = { session: this, id, queue: pattern, prefetch, inFlight: new Set() };
      this.consumers.set(id, consumer);
      this.broker.addConsumer(consumer);
    }
    return new Promise((resolve) => this.send(resolve));
  }

  unsubscribe(id: string): Promise<void> {
    if (!this.alive || this.broker.hung) return Promise.resolve();
    this.topicSubscriptions.delete(id);
    const consumer = this.consumers.get(id);
    if (consumer) {
      this.consumers.delete(id);
      this.broker.removeConsumer(consumer, true);
    }
    return new Promise((resolve) => this.send(resolve));
  }

  settle(tag: unknown, outcome: 'ack' | 'requeue' | 'reject'): void {
    if (!this.alive || this.broker.hung || tag === undefined) return;
    const { consumer, message } = tag as QueueTag;
    if (consumer.session !== this || !consumer.inFlight.delete(message)) return;
    this.broker.settle(consumer, message, outcome);
  }

  ping(): Promise<void> {
    if (!this.alive || this.broker.hung) return new Promise(() => undefined);
    return new Promise((resolve) => this.send(resolve));
  }
}

/**
 * An in-process broker for tests, demos and examples, with faults to inject (`crash()`, `hang()`, …).
 * Two brokers sharing one {@link MemoryStore} behave like an active/standby pair.
 */
export class MemoryBroker {
  /** The name it answers to: `memory://NAME`. */
  readonly name: string;
  /** Its persistent state: queues and the lock; shared with a standby when given in the options. */
  readonly store: MemoryStore;
  /** The largest message body it accepts, in bytes. */
  readonly maxMessageBytes: number;
  /** @internal */
  readonly sessions = new Set<BrokerSession>();
  /** @internal Temporary reply queues by address; they live with their session, not in the store. */
  readonly replyAddresses = new Map<string, BrokerSession>();
  #replySeq = 0;
  #status: MemoryBrokerStatus = 'stopped';
  #hung = false;
  #refusing = false;
  readonly #users: Record<string, string> | undefined;
  readonly #consumers = new Map<string, QueueConsumer[]>();
  readonly #roundRobin = new Map<string, number>();

  constructor(options: MemoryBrokerOptions) {
    if (!options?.name || /[/?#\s]/.test(options.name)) {
      throw InvalidArgumentError.format('name', 'must be a non-empty name usable in memory://NAME');
    }
    this.name = options.name;
    this.store = options.store ?? new MemoryStore();
    this.#users = options.users;
    this.maxMessageBytes = options.maxMessageBytes ?? 4 * 1024 * 1024;
  }

  /** Whether it is active, standby, stopped or crashed. */
  get status(): MemoryBrokerStatus { return this.#status; }
  /** @internal */
  nextReplySeq(): number { return this.#replySeq++; }
  /** True after `hang()`, until it crashes, stops or restarts. */
  get hung(): boolean { return this.#hung; }
  /** The endpoint to connect to: `memory://NAME`. */
  get url(): string { return `memory://${this.name}`; }

  /** Registers as memory://NAME. Becomes active, or standby while another broker holds the store. */
  async start(): Promise<void> {
    const existing = registry.get(this.name);
    if (existing && existing !== this) throw new InvalidArgumentError(`Another in-memory broker is registered as memory://${this.name}`);
    registry.set(this.name, this);
    this.#hung = false;
    this.#refusing = false;
    this.#status = this.store.acquire(this) ? 'active' : 'standby';
  }

  /** @internal Called by the store when this standby got the lock. */
  takeOver(): void {
    if (this.#status === 'standby') this.#status = 'active';
  }

  /** Kills the broker: connections drop at once, frames on the wire are lost, the store is released. */
  crash(): void {
    this.#down('crashed', new ConnectionError(`memory://${this.name} crashed (connection reset)`), false);
  }

  /** A graceful stop (maintenance): connections are closed, the store is released, the name is freed. */
  async stop(): Promise<void> {
    this.#down('stopped', new ConnectionError(`memory://${this.name} was stopped`), true);
    if (registry.get(this.name) === this) registry.delete(this.name);
  }

  /** Connections stay open but nothing is answered; only heartbeats can tell. */
  hang(): void {
    this.#hung = true;
  }

  /** Refuses new connections (existing ones stay) until `restart()` or `refuseConnections(false)`. */
  refuseConnections(refuse = true): void {
    this.#refusing = refuse;
  }

  /** Crashes it if it is up, then starts it again: active, or standby while the other broker of a pair holds the store. */
  async restart(): Promise<void> {
    if (this.#status !== 'stopped' && this.#status !== 'crashed') this.crash();
    await this.start();
  }

  #down(status: MemoryBrokerStatus, error: ConnectionError, graceful: boolean): void {
    // Status first: ending sessions must not requeue or dispatch; the store's survive() settles that.
    this.#status = status;
    const sessions = [...this.sessions];
    for (const session of sessions) session.end(graceful);
    this.#consumers.clear();
    this.#hung = false;
    this.store.release(this);
    for (const session of sessions) session.peer.lost(error);
  }

  /** @internal Accepts a connection, after a handshake that takes one timer tick. */
  connect(peer: MemoryPeer, username: string | undefined, password: string | undefined): Promise<BrokerSession> {
    const refused = (why: string) => Promise.reject(new ConnectionError(`memory://${this.name} refused the connection: ${why}`, { refused: true }));
    if (this.#status === 'standby') return refused('the broker is a standby waiting for the store lock');
    if (this.#status !== 'active') return refused(`the broker is ${this.#status}`);
    if (this.#refusing) return refused('connections are refused');
    if (this.#hung) return new Promise(() => undefined);
    if (this.#users && (username === undefined || this.#users[username] !== password)) {
      return Promise.reject(new AuthenticationError(`memory://${this.name} rejected the credentials of user ${JSON.stringify(username ?? '')}`));
    }
    return new Promise((resolve) => {
      nextTurn(() => {
        if (this.#status !== 'active' || this.#hung) return;
        const session = new BrokerSession(this, peer);
        this.sessions.add(session);
        resolve(session);
      });
    });
  }

  // ----- routing ---------------------------------------------------------------------------------

  /** @internal */
  route(kind: OutgoingKind, message: OutgoingMessage): void {
    // Every byte enters here: copy once, so a caller reusing its buffer cannot change a stored message.
    const stored: StoredMessage = {
      destination: message.destination,
      bytes: message.bytes.slice(),
      headers: message.headers ?? {},
      messageId: message.messageId,
      correlationId: message.correlationId,
      replyTo: message.replyTo,
      contentType: message.contentType,
      priority: message.priority,
      expiresAt: message.ttlMs === undefined ? undefined : Date.now() + message.ttlMs,
      persistent: message.persistent !== false,
      possibleDuplicate: message.possibleDuplicate,
      deliveryCount: 0,
    };
    if (kind === 'reply') {
      const owner = this.replyAddresses.get(message.destination);
      const reply = owner?.reply;
      if (owner && reply) owner.send(() => owner.peer.deliver(reply.id, toDelivery(stored, undefined)));
      return;
    }
    if (kind === 'queue') {
      this.store.queue(message.destination).enqueue(stored);
      this.#dispatch(message.destination);
      return;
    }
    for (const session of this.sessions) {
      for (const [id, matches] of session.topicSubscriptions) {
        if (matches(stored.destination)) session.send(() => session.peer.deliver(id, toDelivery(stored, undefined)));
      }
    }
  }

  /** @internal */
  addConsumer(consumer: QueueConsumer): void {
    let list = this.#consumers.get(consumer.queue);
    if (!list) this.#consumers.set(consumer.queue, (list = []));
    list.push(consumer);
    this.#dispatch(consumer.queue);
  }

  /** @internal */
  removeConsumer(consumer: QueueConsumer, requeue: boolean): void {
    const list = this.#consumers.get(consumer.queue);
    const index = list ? list.indexOf(consumer) : -1;
    if (index >= 0) list!.splice(index, 1);
    if (requeue && this.#status === 'active') {
      const queue = this.store.queue(consumer.queue);
      for (const message of consumer.inFlight) queue.unacked.delete(message);
      queue.requeue([...consumer.inFlight]);
      consumer.inFlight.clear();
      this.#dispatch(consumer.queue);
    }
  }

  /** @internal */
  settle(consumer: QueueConsumer, message: StoredMessage, outcome: 'ack' | 'requeue' | 'reject'): void {
    const queue = this.store.queue(consumer.queue);
    queue.unacked.delete(message);
    if (outcome === 'requeue') queue.requeue([message]);
    else if (outcome === 'reject') queue.deadLetters.push(message);
    this.#dispatch(consumer.queue);
  }

  #dispatch(name: string): void {
    const consumers = this.#consumers.get(name);
    if (!consumers || consumers.length === 0 || this.#status !== 'active') return;
    const queue: QueueState = this.store.queue(name);
    let next = this.#roundRobin.get(name) ?? 0;
    const now = Date.now();
    while (queue.ready.length > 0) {
      let consumer: QueueConsumer | undefined;
      for (let i = 0; i < consumers.length; i++) {
        const candidate = consumers[(next + i) % consumers.length]!;
        if (candidate.inFlight.size < candidate.prefetch) {
          consumer = candidate;
          next = (next + i + 1) % consumers.length;
          break;
        }
      }
      if (!consumer) break;
      const message = queue.ready.shift()!;
      if (message.expiresAt !== undefined && message.expiresAt <= now) continue;
      message.deliveryCount++;
      queue.unacked.add(message);
      consumer.inFlight.add(message);
      const tag: QueueTag = { consumer, message };
      const session = consumer.session;
      session.send(() => session.peer.deliver(consumer.id, toDelivery(message, tag)));
    }
    this.#roundRobin.set(name, next);
  }
}

function toDelivery(message: StoredMessage, tag: QueueTag | undefined): Delivery {
  return {
    destination: message.destination,
    bytes: message.bytes,
    headers: message.headers,
    messageId: message.messageId,
    correlationId: message.correlationId,
    replyTo: message.replyTo,
    contentType: message.contentType,
    priority: message.priority,
    expiresAt: message.expiresAt,
    redelivered: message.deliveryCount > 1,
    possibleDuplicate: message.possibleDuplicate,
    tag,
  };
}
