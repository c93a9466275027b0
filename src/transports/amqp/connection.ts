/**
 * One open AMQP 1.0 connection (rhea-promise) as a TransportConnection: a single session, sender links
 * cached per address (./sender.ts), receiver links whose credit is the prefetch window (§2.6.7),
 * replenished one by one as deliveries are settled (./settlement.ts).
 *
 * State: `open` until the first of close() (graceful, onLost never called) or a loss (socket error or
 * end, remote close of the connection or session, watchdog), which calls onLost once.
 */
import {
  ConnectionEvents,
  ReceiverEvents,
  SessionEvents,
  type Connection,
  type EventContext,
  type Delivery as RheaDelivery,
  type Receiver,
  type Session,
} from 'rhea-promise';
import { ConnectionError, UnsupportedError, type UnifiedMqError } from '../../core/errors.js';
import {
  SETTLED,
  type Delivery,
  type Endpoint,
  type OpenOptions,
  type OutgoingMessage,
  type SubscriptionRequest,
  type TransportConnection,
  type TransportSubscription,
} from '../../core/transport.js';
import type { Capabilities } from '../../core/types.js';
import { capabilitiesOf, fallbackReplySource, offersDynamicNodes, replyTarget, source, target, type AmqpDialect, type Terminus } from './dialect.js';
import type { GuardedSocket } from './guarded-socket.js';
import { toDelivery } from './inbound.js';
import type { BodySection } from './options.js';
import { toAmqpMessage } from './outbound.js';
import { AddressSender, type SenderOwner } from './sender.js';
import { Settlements, type Outcome } from './settlement.js';
import { outcomeError, translate, translateLinkError } from './translate.js';

type State = 'open' | 'closing' | 'lost';

/** How long unsubscribe waits for the broker's detach: RabbitMQ 3.10 sometimes never answers one. */
const DETACH_WAIT_MS = 1000;

/** A receiver link and what the connection knows about it. */
interface Subscription {
  readonly receiver: Receiver;
  readonly destination: string;
  /** Delivered and not yet settled: released when the subscription ends (§3.4.4). */
  readonly unsettled: Set<RheaDelivery>;
  /** rhea's own link object, which deliveries point to; known from the first delivery on. */
  link: unknown;
  /** Credit earned by settlements and not yet granted; granted in batches of `grantEvery`. */
  owed: number;
  readonly grantEvery: number;
  ended: boolean;
}

/** One settled delivery gives one credit back (§2.6.7): unsettled + credit never exceeds the prefetch. */
function grant(subscription: Subscription): void {
  if (++subscription.owed < subscription.grantEvery) return;
  subscription.receiver.addCredit(subscription.owed);
  subscription.owed = 0;
}

export class AmqpConnection implements TransportConnection, SenderOwner {
  readonly capabilities: Capabilities;
  readonly dialect: AmqpDialect;
  readonly #connection: Connection;
  readonly #session: Session;
  readonly #socket: GuardedSocket;
  readonly #options: OpenOptions;
  readonly #bodySection: BodySection;
  /** Sender links by kind and unified name: the publish path looks one up without building the address. */
  readonly #senders = { topic: new Map<string, AddressSender>(), queue: new Map<string, AddressSender>(), reply: new Map<string, AddressSender>() };
  /** Request/reply: the receiver of this connection's reply node (see openReplyAddress). */
  #replies: Receiver | undefined;
  readonly #subscriptions = new Map<unknown, Subscription>();
  readonly #settlements = new Settlements();
  #state: State = 'open';

  constructor(
    readonly endpoint: Endpoint,
    connection: Connection,
    session: Session,
    socket: GuardedSocket,
    options: OpenOptions,
    dialect: AmqpDialect,
    bodySection: BodySection = 'data',
  ) {
    this.#bodySection = bodySection;
    this.#connection = connection;
    this.#session = session;
    this.#socket = socket;
    this.#options = options;
    this.dialect = dialect;
    this.capabilities = capabilitiesOf(dialect);
    const lost = (context: EventContext) => this.#lost(context.error ?? context.connection?.error ?? context.session?.error);
    connection.on(ConnectionEvents.disconnected, lost);
    connection.on(ConnectionEvents.connectionError, lost);
    // A remote close (§2.4.3, e.g. amqp:connection:forced when the broker shuts down) is followed by no
    // `disconnected` event in rhea: the connection counts as closed, not lost.
    connection.on(ConnectionEvents.connectionClose, lost);
    // The broker ends the session on a session-level error: every link is gone with it.
    session.on(SessionEvents.sessionError, lost);
    session.on(SessionEvents.sessionClose, lost);
  }

  /** Sender links attached or attaching (one per address). */
  get senderLinks(): number {
    return this.#senders.topic.size + this.#senders.queue.size + this.#senders.reply.size;
  }

  // ---- SenderOwner ----------------------------------------------------------------------------------

  inDoubt(): UnifiedMqError {
    return new ConnectionError(`${this.endpoint.display}: the link or connection went away before the broker settled the message`);
  }

  outcome(outcome: 'rejected' | 'released' | 'modified', remoteError: unknown): UnifiedMqError {
    return outcomeError(outcome, remoteError, this.endpoint, this.#options.password);
  }

  linkError(error: unknown, destination: string): UnifiedMqError {
    return translateLinkError(error, this.endpoint, this.#options.password, destination);
  }

  forget(sender: AddressSender): void {
    const senders = this.#senders[sender.kind];
    if (senders.get(sender.destination) === sender) senders.delete(sender.destination);
  }

  // ---- publish ----------------------------------------------------------------------------------------

  publish(message: OutgoingMessage, confirm: boolean): Promise<void> {
    if (this.#state !== 'open') return Promise.reject(this.inDoubt());
    const senders = this.#senders[message.kind];
    let sender = senders.get(message.destination);
    if (sender === undefined) {
      const terminus = message.kind === 'reply' ? replyTarget(this.dialect, message.destination) : target(this.dialect, message.kind, message.destination);
      sender = new AddressSender(this, this.#session, message.kind, message.destination, terminus);
      senders.set(message.destination, sender);
    }
    return sender.send(toAmqpMessage(message, sender.address, this.#bodySection), confirm);
  }

  // ---- subscribe --------------------------------------------------------------------------------------

  async subscribe(request: SubscriptionRequest, deliver: (delivery: Delivery) => void): Promise<TransportSubscription> {
    if (this.#state !== 'open') throw this.inDoubt();
    let receiver: Receiver;
    try {
      // Manual credit (credit_window 0) is the prefetch window; manual settlement is client ack.
      receiver = await this.#session.createReceiver({
        source: source(this.dialect, request.kind, request.destination),
        credit_window: 0,
        autoaccept: false,
      });
    } catch (error) {
      throw this.linkError(error, request.destination);
    }
    const subscription: Subscription = {
      receiver,
      destination: request.destination,
      unsettled: new Set(),
      link: undefined,
      owed: 0,
      // Each flow frame carries the whole window; granting half a window at a time halves the frames, and
      // RabbitMQ 3.x, which resets its credit on each flow without counting transfers in flight, then
      // overshoots the window less often.
      grantEvery: Math.max(1, Math.floor(request.prefetch / 2)),
      ended: false,
    };
    receiver.on(ReceiverEvents.message, (context: EventContext) => {
      const { message, delivery } = context;
      if (message === undefined || delivery === undefined) return;
      if (subscription.link === undefined) {
        subscription.link = delivery.link;
        this.#subscriptions.set(delivery.link, subscription);
      }
      if (subscription.ended) {
        // In flight while the link detaches: not delivered, given back with the other unsettled ones.
        subscription.unsettled.add(delivery);
        return;
      }
      if (request.settle) subscription.unsettled.add(delivery);
      else {
        grant(subscription);
        this.#settlements.settle(delivery, 'accept');
      }
      deliver(toDelivery(message, delivery, request.destination));
    });
    // The broker detached the link (queue deleted, consumer cancelled): deliveries stop for good, and
    // only a new connection restores the subscription, so report the connection as lost.
    receiver.on(ReceiverEvents.receiverError, (context: EventContext) => {
      if (!subscription.ended) this.#lost(context.receiver?.error ?? new Error(`the broker detached the receiver of ${request.destination}`));
    });
    receiver.on(ReceiverEvents.receiverClose, () => {
      if (!subscription.ended) this.#lost(new Error(`the broker closed the receiver of ${request.destination}`));
    });
    receiver.addCredit(request.prefetch);
    return { unsubscribe: () => this.#unsubscribe(subscription) };
  }

  async #unsubscribe(subscription: Subscription): Promise<void> {
    if (subscription.ended) return;
    subscription.ended = true;
    if (this.#state !== 'open') return;
    const detached = subscription.receiver.close({ closeSession: false }).catch(() => undefined);
    await Promise.race([detached, new Promise((resolve) => setTimeout(resolve, DETACH_WAIT_MS))]);
    // RabbitMQ 3.x keeps a cancelled consumer's unsettled messages until the session ends: give them
    // back. After the detach, not before: released while the link is attached, RabbitMQ would hand them
    // straight back to it. Settling after a detach is allowed: dispositions belong to the session (§2.7.6).
    // Acks that came in meanwhile were honoured; what is still unsettled goes back.
    this.#subscriptions.delete(subscription.link);
    if (this.#state !== 'open') return;
    for (const delivery of subscription.unsettled) this.#settlements.settle(delivery, 'release');
    subscription.unsettled.clear();
  }

  // ---- request/reply ----------------------------------------------------------------------------------

  /**
   * A dynamic node (§3.5.3 `dynamic`): the broker creates a node that lives as long as the link and names
   * it in its attach. Where the broker has none (or names none), a queue of this link's own instead
   * ({@link fallbackReplySource}). Replies are accepted on arrival: a lost one is re-requested by the core.
   */
  async openReplyAddress(deliver: (delivery: Delivery) => void): Promise<string> {
    if (this.#state !== 'open') throw this.inDoubt();
    let receiver = offersDynamicNodes(this.dialect)
      ? await this.#replyReceiver({ dynamic: true, expiry_policy: 'link-detach' } as unknown as Terminus).catch(() => undefined)
      : undefined;
    let address = receiver?.address;
    if (receiver !== undefined && !address) await receiver.close({ closeSession: false }).catch(() => undefined);
    if (!address) {
      const fallback = fallbackReplySource(this.dialect, `umq-replies.${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`);
      if (fallback === undefined) throw new UnsupportedError(`${this.endpoint.display} refused a dynamic reply node, which request() needs on this broker`);
      try {
        receiver = await this.#replyReceiver(fallback);
      } catch (error) {
        throw this.linkError(error, fallback.address);
      }
      address = fallback.address;
    }
    this.#replies = receiver!;
    receiver!.on(ReceiverEvents.message, (context: EventContext) => {
      if (context.message === undefined || context.delivery === undefined || this.#state !== 'open') return;
      deliver(toDelivery(context.message, context.delivery, 'umq-replies'));
    });
    const lost = (context: EventContext) => {
      if (this.#replies === context.receiver || context.receiver === undefined) this.#lost(context.receiver?.error ?? new Error('the broker closed the reply node'));
    };
    receiver!.on(ReceiverEvents.receiverError, lost);
    receiver!.on(ReceiverEvents.receiverClose, lost);
    return address;
  }

  async #replyReceiver(terminus: Terminus): Promise<Receiver> {
    // Default credit window and auto-accept: replies need no application ack.
    return this.#session.createReceiver({ source: terminus as never, autoaccept: true });
  }

  // ---- settle -----------------------------------------------------------------------------------------

  ack(delivery: Delivery): Promise<void> {
    this.#settle(delivery, 'accept');
    return SETTLED;
  }

  nack(delivery: Delivery, requeue: boolean): Promise<void> {
    this.#settle(delivery, requeue ? 'release' : 'reject');
    return SETTLED;
  }

  #settle(delivery: Delivery, outcome: Outcome): void {
    if (this.#state !== 'open') return;
    const rheaDelivery = delivery.tag as RheaDelivery;
    const subscription = this.#subscriptions.get(rheaDelivery.link);
    // Unknown: its subscription ended and released it already.
    if (subscription === undefined || !subscription.unsettled.delete(rheaDelivery)) return;
    // Credit before the settlement: RabbitMQ may redeliver a released message at once, and it should
    // find the credit for it.
    grant(subscription);
    this.#settlements.settle(rheaDelivery, outcome);
  }

  // ---- lifecycle --------------------------------------------------------------------------------------

  #lost(cause: unknown): void {
    if (this.#state !== 'open') return;
    this.#state = 'lost';
    // The guard's reason (oversized frame, silence) beats rhea's account of the same event.
    const error = this.#socket.failure ?? translate(cause ?? new Error('the connection closed'), this.endpoint, this.#options.password);
    this.#shutdown(error.retryable ? error : new ConnectionError(error.message, { cause: error }));
    this.#socket.destroy();
    this.#options.onLost(error);
  }

  #shutdown(inDoubt: UnifiedMqError): void {
    this.#settlements.clear();
    for (const subscription of this.#subscriptions.values()) subscription.ended = true;
    this.#subscriptions.clear();
    this.#replies = undefined;
    for (const senders of [this.#senders.topic, this.#senders.queue, this.#senders.reply]) {
      for (const sender of [...senders.values()]) sender.fail(inDoubt);
      senders.clear();
    }
  }

  async close(): Promise<void> {
    if (this.#state !== 'open') return;
    this.#state = 'closing';
    this.#shutdown(new ConnectionError(`${this.endpoint.display}: closed before the broker settled the message`));
    const closed = this.#connection.close().catch(() => undefined);
    // A graceful close waits for the broker's close frame, but not forever (a hung broker sends none).
    const grace = new Promise<void>((resolve) => setTimeout(resolve, Math.min(2000, this.#options.connectTimeoutMs)));
    await Promise.race([closed, grace]);
    this.#socket.destroy();
  }
}
