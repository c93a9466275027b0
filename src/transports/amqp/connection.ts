/**
 * One AMQP 1.0 connection (rhea-promise) as a TransportConnection: one session, one cached sender link
 * per address with unsettled, pipelined sends confirmed by `accepted`, receivers whose credit is the
 * prefetch window, replenished one by one as deliveries are settled.
 */
import {
  ConnectionEvents,
  ReceiverEvents,
  SenderEvents,
  message as rheaMessage,
  type AwaitableSender,
  type Connection,
  type EventContext,
  type Message as RheaMessage,
  type Receiver,
  type Session,
} from 'rhea-promise';
import { ConnectionError, type UnifiedMqError } from '../../core/errors.js';
import {
  POSSIBLE_DUPLICATE_HEADER,
  type Delivery,
  type Endpoint,
  type OpenOptions,
  type OutgoingMessage,
  type SubscriptionRequest,
  type TransportConnection,
  type TransportSubscription,
} from '../../core/transport.js';
import type { Capabilities, Headers } from '../../core/types.js';
import { capabilitiesOf, fromAddress, terminus, type AmqpDialect } from './dialect.js';
import { translate, translateOutcome } from './translate.js';

interface QueuedSend {
  readonly message: RheaMessage;
  readonly confirm: boolean;
  readonly resolve: () => void;
  readonly reject: (error: UnifiedMqError) => void;
}

/** A sender link for one address, created on first use; sends wait in order while it has no credit. */
class AddressSender {
  #link: AwaitableSender | undefined;
  readonly #waiting: QueuedSend[] = [];

  constructor(readonly owner: AmqpConnection, session: Session, address: { address: string; capabilities?: string[] }) {
    session
      .createAwaitableSender({ target: address })
      .then((link) => {
        this.#link = link;
        link.on(SenderEvents.sendable, () => this.#flush());
        this.#flush();
      }, (error: unknown) => {
        const failure = owner.translate(error);
        for (const queued of this.#waiting.splice(0)) queued.reject(failure);
        owner.forgetSender(this);
      });
  }

  send(queued: QueuedSend): void {
    const link = this.#link;
    if (link && this.#waiting.length === 0 && link.sendable()) this.#write(link, queued);
    else this.#waiting.push(queued);
  }

  #flush(): void {
    const link = this.#link;
    if (!link) return;
    while (this.#waiting.length > 0 && link.sendable()) this.#write(link, this.#waiting.shift()!);
  }

  #write(link: AwaitableSender, queued: QueuedSend): void {
    const sent = link.send(queued.message, { timeoutInSeconds: 3600 });
    if (!queued.confirm) {
      sent.catch(() => undefined);
      queued.resolve();
      return;
    }
    sent.then(() => queued.resolve(), (error: unknown) => queued.reject(this.owner.closed ? this.owner.lostError() : this.owner.outcome(error)));
  }

  failAll(error: UnifiedMqError): void {
    for (const queued of this.#waiting.splice(0)) queued.reject(error);
  }
}

export class AmqpConnection implements TransportConnection {
  readonly capabilities: Capabilities;
  readonly #connection: Connection;
  readonly #session: Session;
  readonly #options: OpenOptions;
  readonly #dialect: AmqpDialect;
  readonly #senders = new Map<string, AddressSender>();
  /** Confirmed sends not yet settled by the broker, to reject at once when the connection is lost. */
  readonly #unconfirmed = new Set<(error: UnifiedMqError) => void>();
  closed = false;
  /**
   * Ids of messages this connection released (nack with requeue). RabbitMQ 3.10 does not always mark
   * the returning copy (`first-acquirer` false), so the connection remembers what it gave back.
   */
  readonly #released = new Set<string>();

  constructor(readonly endpoint: Endpoint, connection: Connection, session: Session, options: OpenOptions, dialect: AmqpDialect) {
    this.#connection = connection;
    this.#session = session;
    this.#options = options;
    this.#dialect = dialect;
    this.capabilities = capabilitiesOf(dialect, connection.maxFrameSize);
    connection.on(ConnectionEvents.disconnected, (context: EventContext) =>
      this.#lost(translate(context.error ?? new Error('the connection closed'), endpoint, options.password)),
    );
    connection.on(ConnectionEvents.connectionError, (context: EventContext) =>
      this.#lost(translate(context.error ?? context.connection?.error ?? new Error('connection error'), endpoint, options.password)),
    );
  }

  translate(error: unknown): UnifiedMqError {
    return translate(error, this.endpoint, this.#options.password);
  }

  outcome(error: unknown): UnifiedMqError {
    return translateOutcome(error, this.endpoint, this.#options.password);
  }

  lostError(): UnifiedMqError {
    return new ConnectionError(`${this.endpoint.display}: the connection was lost before the broker settled the message`);
  }

  forgetSender(sender: AddressSender): void {
    for (const [key, value] of this.#senders) if (value === sender) this.#senders.delete(key);
  }

  #lost(error: UnifiedMqError): void {
    if (this.closed) return;
    this.closed = true;
    const retryable = error.retryable ? error : new ConnectionError(error.message, { cause: error });
    for (const reject of this.#unconfirmed) reject(retryable);
    this.#unconfirmed.clear();
    for (const sender of this.#senders.values()) sender.failAll(retryable);
    this.#connection.close().catch(() => undefined);
    this.#options.onLost(error);
  }

  publish(message: OutgoingMessage, confirm: boolean): Promise<void> {
    if (this.closed) return Promise.reject(this.lostError());
    const target = terminus(this.#dialect, message.kind, message.destination);
    let sender = this.#senders.get(target.address);
    if (!sender) {
      sender = new AddressSender(this, this.#session, target);
      this.#senders.set(target.address, sender);
    }
    const properties: Record<string, string> | undefined = message.possibleDuplicate
      ? { ...message.headers, [POSSIBLE_DUPLICATE_HEADER]: 'true' }
      : message.headers;
    const amqpMessage: RheaMessage = {
      body: rheaMessage.data_section(message.bytes as Buffer),
      to: target.address,
      message_id: message.messageId,
      correlation_id: message.correlationId,
      reply_to: message.replyTo,
      content_type: message.contentType,
      application_properties: properties,
      durable: message.persistent ?? message.kind === 'queue',
      priority: message.priority,
      ttl: message.ttlMs,
    };
    return new Promise<void>((resolve, reject) => {
      if (!confirm) {
        sender.send({ message: amqpMessage, confirm, resolve, reject });
        return;
      }
      const settle = (error: UnifiedMqError) => reject(error);
      this.#unconfirmed.add(settle);
      sender.send({
        message: amqpMessage,
        confirm,
        resolve: () => {
          this.#unconfirmed.delete(settle);
          resolve();
        },
        reject: (error) => {
          this.#unconfirmed.delete(settle);
          reject(error);
        },
      });
    });
  }

  async subscribe(request: SubscriptionRequest, deliver: (delivery: Delivery) => void): Promise<TransportSubscription> {
    const source = terminus(this.#dialect, request.kind, request.destination);
    let receiver: Receiver | undefined;
    try {
      receiver = await this.#session.createReceiver({ source, credit_window: 0, autoaccept: false });
    } catch (error) {
      throw this.translate(error);
    }
    const link = receiver;
    link.on(ReceiverEvents.message, (context: EventContext) => {
      const delivery = this.#toDelivery(context, request.destination);
      if (delivery) deliver(delivery);
    });
    link.addCredit(request.prefetch);
    return {
      unsubscribe: async () => {
        if (this.closed) return;
        // Do not wait for the broker's detach: RabbitMQ 3.10 may never answer it. Unsettled deliveries
        // on the link are released by the broker once the link is gone.
        const closing = link.close({ closeSession: false }).catch(() => undefined);
        await Promise.race([closing, new Promise((resolve) => setTimeout(resolve, 1000))]);
      },
    };
  }

  #toDelivery(context: EventContext, subscribed: string): Delivery | undefined {
    const message = context.message;
    if (!message) return undefined;
    let headers: Headers = {};
    let possibleDuplicate = false;
    const properties = message.application_properties as Record<string, unknown> | undefined;
    if (properties) {
      for (const key in properties) {
        if (key === POSSIBLE_DUPLICATE_HEADER) possibleDuplicate = String(properties[key]) === 'true';
        else headers[key] = String(properties[key]);
      }
    } else headers = {};
    const ttl = message.ttl;
    return {
      destination: fromAddress(message.to ?? routingKey(message), subscribed),
      bytes: bodyBytes(message.body),
      headers,
      messageId: message.message_id === undefined ? undefined : String(message.message_id),
      correlationId: message.correlation_id === undefined ? undefined : String(message.correlation_id),
      replyTo: message.reply_to,
      contentType: message.content_type,
      priority: message.priority,
      expiresAt: message.absolute_expiry_time ? Number(message.absolute_expiry_time) : ttl ? Date.now() + ttl : undefined,
      // AMQP 1.0 §3.2.1: delivery-count counts failed earlier attempts; first-acquirer is false after one.
      redelivered: (message.delivery_count ?? 0) > 0 || message.first_acquirer === false || this.#wasReleased(message.message_id),
      possibleDuplicate,
      tag: context,
    };
  }

  #wasReleased(messageId: unknown): boolean {
    if (messageId === undefined || this.#released.size === 0) return false;
    return this.#released.delete(String(messageId));
  }

  ack(delivery: Delivery): Promise<void> {
    const context = delivery.tag as EventContext;
    if (!this.closed) {
      // Credit first: a broker that redelivers at once must find credit for it.
      context.receiver?.addCredit(1);
      context.delivery?.accept();
    }
    return Promise.resolve();
  }

  nack(delivery: Delivery, requeue: boolean): Promise<void> {
    const context = delivery.tag as EventContext;
    if (!this.closed) {
      // Credit first: RabbitMQ redelivers a released message at once, and with no credit left it sends
      // it anyway, past the link's credit, where the receiver may lose track of it.
      context.receiver?.addCredit(1);
      // release (AMQP 1.0 §3.4.4) puts it back; RabbitMQ 3.10 treats `modified` as a discard.
      if (requeue) {
        context.delivery?.release();
        if (delivery.messageId !== undefined) {
          this.#released.add(delivery.messageId);
          // Bounded: the oldest entries go first (a Set iterates in insertion order).
          if (this.#released.size > 10_000) this.#released.delete(this.#released.values().next().value!);
        }
      }
      else context.delivery?.reject({ condition: 'amqp:internal-error', description: 'rejected by the application' });
    }
    return Promise.resolve();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const error = new ConnectionError(`${this.endpoint.display}: closed before the broker settled the message`);
    for (const reject of this.#unconfirmed) reject(error);
    this.#unconfirmed.clear();
    await this.#connection.close().catch(() => undefined);
  }
}

/** RabbitMQ names the topic of a message from another protocol in the `x-routing-key` annotation. */
function routingKey(message: RheaMessage): string | undefined {
  const key = message.message_annotations?.['x-routing-key'];
  return typeof key === 'string' ? `/topic/${key}` : undefined;
}

function view(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function bodyBytes(body: unknown): Uint8Array {
  if (body instanceof Uint8Array) return view(body);
  if (body && typeof body === 'object' && 'content' in body) {
    const content = (body as { content: unknown }).content;
    if (content instanceof Uint8Array) return view(content);
    if (typeof content === 'string') return new TextEncoder().encode(content);
  }
  if (typeof body === 'string') return new TextEncoder().encode(body);
  if (body === undefined || body === null) return new Uint8Array(0);
  return new TextEncoder().encode(JSON.stringify(body));
}
