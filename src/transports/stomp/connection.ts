/**
 * One open STOMP connection (a stompjs Client after CONNECTED) as a TransportConnection: sends confirmed
 * by RECEIPT, subscriptions in client-individual mode with broker-side prefetch, acks bound to this
 * connection, ERROR frames attributed to the operation they refuse, and the loss reported once.
 *
 * States: `open` → `closing` (close() called: DISCONNECT sent, onLost is never called) → `closed`; or
 * `open` → `closed` on a loss (socket closed, heart-beat silence, frame over the cap), reported to onLost.
 */
import type { Client, IFrame, StompHeaders } from '@stomp/stompjs';
import { ConnectionError, InvalidArgumentError, UnifiedMqError } from '../../core/errors.js';
import {
  POSSIBLE_DUPLICATE_HEADER,
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
import {
  addDeliveryHeaders,
  capabilitiesOf,
  durableUnsubscribeHeaders,
  headerLimits,
  namesInErrors,
  REPLY_QUEUE,
  subscribeHeaders,
  subscribesToReplyQueue,
  subscriptionId,
  toDestination,
  type HeaderLimits,
  type StompDialect,
} from './dialect.js';
import type { FrameHeaders, ScannedFrame } from './frame-scanner.js';
import type { GuardedSocket } from './guarded-socket.js';
import { addApplicationHeaders, encodeValue, MESSAGE_ID_HEADER } from './headers.js';
import type { SilenceWatchdog } from '../kit/watchdog.js';
import { startWatchdog } from './heartbeat.js';
import { InboundSubscription, toDelivery, type InboundTag } from './inbound.js';
import type { StompSettings } from './options.js';
import { Receipts } from './receipts.js';
import { LocalRedelivery } from './redelivery.js';
import { errorText, translateRefusal, translateSocketError } from './translate.js';

type State = 'open' | 'closing' | 'closed';

const ignoreMessage = () => undefined;

export interface StompSession {
  readonly endpoint: Endpoint;
  readonly client: Client;
  readonly socket: GuardedSocket;
  readonly open: OpenOptions;
  readonly settings: StompSettings;
  readonly dialect: StompDialect;
  /** The CONNECTED frame. */
  readonly connected: IFrame;
}

export class StompConnection implements TransportConnection {
  readonly endpoint: Endpoint;
  readonly capabilities: Capabilities;
  /** The negotiated protocol version, `1.2` or `1.1`. */
  readonly version: string;
  readonly dialect: StompDialect;

  readonly #client: Client;
  readonly #socket: GuardedSocket;
  readonly #open: OpenOptions;
  readonly #settings: StompSettings;
  readonly #limits: HeaderLimits;
  readonly #receipts = new Receipts();
  readonly #subscriptions = new Map<string, InboundSubscription>();
  readonly #redelivery: LocalRedelivery;
  readonly #watchdog: SilenceWatchdog | undefined;
  #state: State = 'open';
  #nextTransaction = 0;
  /** A socket error or ERROR frame seen before the socket closed: the best description of the loss. */
  #cause: UnifiedMqError | undefined;
  /** WebSocket error events seen on the open connection (a browser fires one when it refuses a frame). */
  #errorEvents = 0;

  constructor(session: StompSession) {
    const { endpoint, client, socket, open, settings, dialect, connected } = session;
    this.endpoint = endpoint;
    this.dialect = dialect;
    this.version = connected.headers.version ?? '1.2';
    // The CONNECTED frame has arrived: the socket knows whether the broker sends text frames.
    this.capabilities = capabilitiesOf(dialect, settings.maxFrameBytes, !socket.textFrames);
    this.#client = client;
    this.#socket = socket;
    this.#open = open;
    this.#settings = settings;
    this.#limits = headerLimits(dialect);
    this.#redelivery = new LocalRedelivery(settings.redeliveryDelayMs);

    // MESSAGE frames and the RECEIPTs of our frames are read by the frame scanner, not by stompjs
    // (frame-scanner.ts says why); stompjs keeps the handshake, heart-beats, ERROR and DISCONNECT.
    socket.frames = {
      claims: (command, headers) => command === 'MESSAGE' || (command === 'RECEIPT' && this.#receipts.has(headers['receipt-id'])),
      frame: (frame) => (frame.command === 'MESSAGE' ? this.#onMessage(frame) : void this.#receipts.settle(frame.headers['receipt-id'])),
    };
    client.onUnhandledReceipt = (frame) => void this.#receipts.settle(frame.headers['receipt-id']);
    client.onStompError = (frame) => this.#onErrorFrame(frame);
    client.onWebSocketError = (event) => {
      this.#errorEvents++;
      this.#cause ??= translateSocketError(event, endpoint, open.password);
    };
    client.onWebSocketClose = (event?: { code?: number }) =>
      this.#lost(
        refusedTextFrame(event?.code, this.#errorEvents > 0, socket.textFrames, endpoint) ??
          this.#cause ??
          new ConnectionError(`${endpoint.display} closed the STOMP connection`),
      );
    // stompjs's own heart-beat check is only a backstop (see heartbeat.ts and transport.ts).
    client.onHeartbeatLost = () => this.#lost(new ConnectionError(`${endpoint.display} missed its STOMP heart-beats`));
    socket.onViolation = (error) => this.#lost(error);
    this.#watchdog = startWatchdog({
      heartbeatMs: open.heartbeatMs,
      offered: connected.headers['heart-beat'],
      lastHeard: () => socket.lastActivityAt,
      onDead: (silentMs) =>
        this.#lost(new ConnectionError(`${endpoint.display} sent nothing for ${silentMs} ms (heartbeatMs ${open.heartbeatMs}); the connection is considered dead`)),
    });
  }

  // ----- publishing ------------------------------------------------------------------------------

  publish(message: OutgoingMessage, confirm: boolean): Promise<void> {
    if (this.#state !== 'open') return Promise.reject(this.#closedError());
    let headers: StompHeaders;
    try {
      headers = this.#sendHeaders(message);
    } catch (error) {
      return Promise.reject(error);
    }
    const destination = toDestination(this.dialect, message.kind, message.destination);
    if (!confirm) {
      try {
        this.#client.publish({ destination: this.#wire(destination), headers, binaryBody: message.bytes });
      } catch (error) {
        return Promise.reject(this.#writeError(error));
      }
      return SETTLED;
    }
    return new Promise<void>((resolve, reject) => {
      headers.receipt = this.#receipts.add({ destination, resolve, reject });
      try {
        this.#client.publish({ destination: this.#wire(destination), headers, binaryBody: message.bytes });
      } catch (error) {
        this.#receipts.settle(headers.receipt);
        reject(this.#writeError(error));
      }
    });
  }

  #sendHeaders(message: OutgoingMessage): StompHeaders {
    const version = this.version;
    const headers: Record<string, string> = {};
    if (message.headers !== undefined) addApplicationHeaders(headers, message.headers, version, this.#limits);
    headers[MESSAGE_ID_HEADER] = message.messageId;
    if (message.contentType !== undefined) headers['content-type'] = message.contentType;
    if (message.correlationId !== undefined) headers['correlation-id'] = message.correlationId;
    if (message.replyTo !== undefined) headers['reply-to'] = message.replyTo;
    if (message.possibleDuplicate) headers[POSSIBLE_DUPLICATE_HEADER] = 'true';
    addDeliveryHeaders(this.dialect, message, headers);
    // stompjs escapes values on STOMP 1.2 only.
    if (version !== '1.2') for (const name in headers) headers[name] = encodeValue(headers[name]!, version);
    return headers;
  }

  // ----- receiving -------------------------------------------------------------------------------

  subscribe(request: SubscriptionRequest, deliver: (delivery: Delivery) => void): Promise<TransportSubscription> {
    if (this.#state !== 'open') return Promise.reject(this.#closedError());
    const stompId = subscriptionId(this.dialect, request, this.#open.clientId);
    if (this.#subscriptions.has(stompId)) {
      return Promise.reject(InvalidArgumentError.format('durable', `${JSON.stringify(request.durable)} names a subscription that is already active on this client`));
    }
    const destination = toDestination(this.dialect, request.kind, request.destination);
    return this.#subscribeTo(new InboundSubscription(stompId, request, destination, deliver));
  }

  #subscribeTo(subscription: InboundSubscription): Promise<TransportSubscription> {
    const { stompId, request, destination } = subscription;
    const headers: StompHeaders = { ...subscribeHeaders(this.dialect, request), id: this.#wire(stompId) };
    // The SUBSCRIBE carries a receipt, so the subscription is in place when this resolves.
    return new Promise<TransportSubscription>((resolve, reject) => {
      headers.receipt = this.#receipts.add({
        destination,
        resolve: () => resolve({ unsubscribe: () => this.#unsubscribe(subscription) }),
        reject: (error) => {
          subscription.open = false;
          if (this.#subscriptions.get(stompId) === subscription) this.#subscriptions.delete(stompId);
          reject(error);
        },
      });
      this.#subscriptions.set(stompId, subscription);
      try {
        // stompjs never calls this back: the frame scanner hands MESSAGE frames to #onMessage.
        this.#client.subscribe(this.#wire(destination), ignoreMessage, headers);
      } catch (error) {
        this.#receipts.settle(headers.receipt);
        this.#subscriptions.delete(stompId);
        reject(this.#writeError(error));
      }
    });
  }

  /**
   * Request/reply: this connection's temporary queue ({@link REPLY_QUEUE}). Replies are acked by the
   * broker on delivery (ack mode auto): a reply lost with the connection is re-requested by the core.
   */
  async openReplyAddress(deliver: (delivery: Delivery) => void): Promise<string> {
    if (this.#state !== 'open') throw this.#closedError();
    const request: SubscriptionRequest = { id: 'umq-replies', kind: 'queue', destination: 'umq-replies', prefetch: 1000, durable: undefined, settle: false };
    if (subscribesToReplyQueue(this.dialect)) {
      await this.#subscribeTo(new InboundSubscription(request.id, request, REPLY_QUEUE, deliver));
    } else {
      // RabbitMQ subscribes the connection itself, and names the temporary queue in the `subscription`
      // header of what it delivers from it: registered under that name, #onMessage routes the replies.
      this.#subscriptions.set(REPLY_QUEUE, new InboundSubscription(REPLY_QUEUE, request, REPLY_QUEUE, deliver));
    }
    return REPLY_QUEUE;
  }

  #onMessage(frame: ScannedFrame): void {
    const headers = frame.headers;
    const subscriptionId = headers.subscription;
    // A MESSAGE for a subscription already ended (still on the wire when UNSUBSCRIBE went out) is dropped.
    const subscription = subscriptionId === undefined ? undefined : this.#subscriptions.get(subscriptionId);
    if (subscription === undefined || !subscription.open || this.#state !== 'open') return;
    const ackId = (this.version === '1.2' ? headers.ack : headers['message-id']) ?? '';
    const tag: InboundTag = { ackId, subscription, redeliveries: 0 };
    if (subscription.acking) subscription.unsettled.add(tag);
    subscription.deliver(toDelivery(headers, frame.body, tag));
  }

  ack(delivery: Delivery): Promise<void> {
    const tag = delivery.tag as InboundTag;
    const subscription = tag.subscription;
    // Acks after the subscription or connection ended are dropped: the broker takes those messages back
    // (ActiveMQ and RabbitMQ answer them with an ERROR: "Unexpected ACK", "Subscription not found").
    if (this.#state !== 'open' || !subscription.unsettled.delete(tag)) return SETTLED;
    try {
      this.#client.ack(this.#wire(tag.ackId), this.#wire(subscription.stompId));
    } catch (error) {
      return Promise.reject(this.#writeError(error));
    }
    return SETTLED;
  }

  nack(delivery: Delivery, requeue: boolean): Promise<void> {
    const tag = delivery.tag as InboundTag;
    const subscription = tag.subscription;
    if (this.#state !== 'open' || !subscription.unsettled.has(tag)) return SETTLED;
    if (requeue && this.dialect === 'activemq' && tag.redeliveries < this.#settings.maxRedeliveries) {
      tag.redeliveries++;
      this.#redelivery.schedule(tag.redeliveries, () => {
        if (this.#state === 'open' && subscription.open && subscription.unsettled.has(tag)) {
          subscription.deliver({ ...delivery, redelivered: true });
        }
      });
      return SETTLED;
    }
    subscription.unsettled.delete(tag);
    try {
      // RabbitMQ requeues by default and discards or dead-letters with `requeue:false`; ActiveMQ dead-letters.
      this.#client.nack(this.#wire(tag.ackId), this.#wire(subscription.stompId), requeue ? {} : { requeue: 'false' });
    } catch (error) {
      return Promise.reject(this.#writeError(error));
    }
    return SETTLED;
  }

  async #unsubscribe(subscription: InboundSubscription): Promise<void> {
    if (!subscription.open) return;
    subscription.open = false;
    if (this.#state !== 'open') return;
    this.#subscriptions.delete(subscription.stompId);
    const stompId = this.#wire(subscription.stompId);
    // ActiveMQ redelivers a closed consumer's unacknowledged messages itself. RabbitMQ keeps them on the
    // channel until the connection closes, and refuses acks for a cancelled subscription. NACKing them
    // first would not do: RabbitMQ pushes them straight back to this still-open subscription. So the
    // NACKs go into a transaction, whose frames RabbitMQ checks when they arrive but performs at COMMIT,
    // after the UNSUBSCRIBE: the messages return to the queue for the other consumers.
    const transaction = this.dialect !== 'activemq' && subscription.unsettled.size > 0 ? `umq-tx-${this.#nextTransaction++}` : undefined;
    if (transaction !== undefined) {
      this.#client.begin(transaction);
      for (const tag of subscription.unsettled) this.#client.nack(this.#wire(tag.ackId), stompId, { transaction });
    }
    subscription.unsettled.clear();
    const done: Array<Promise<void>> = [];
    for (const extra of durableUnsubscribeHeaders(this.dialect, subscription.request)) {
      done.push(
        new Promise<void>((resolve, reject) => {
          const receipt = this.#receipts.add({ destination: subscription.destination, resolve, reject });
          this.#client.unsubscribe(stompId, { ...extra, receipt });
        }),
      );
    }
    if (transaction !== undefined) this.#client.commit(transaction);
    try {
      await Promise.all(done);
    } catch (error) {
      // A lost connection ends the subscription anyway; a refusal is the caller's to know.
      if (!(error instanceof UnifiedMqError) || !error.retryable) throw error;
    }
  }

  // ----- errors, loss and close -----------------------------------------------------------------

  /**
   * STOMP 1.2 §ERROR: the server closes the connection after an ERROR, and that close reports the loss.
   * Some ERRORs leave it open (ActiveMQ's "Unexpected ACK", RabbitMQ's "Subscription not found"), so the
   * ERROR itself only settles the operations it refuses.
   */
  #onErrorFrame(frame: IFrame): void {
    const password = this.#open.password;
    const text = errorText(frame, password);
    const blamed = this.#receipts.takeBlamed(frame.headers['receipt-id'], `${frame.headers.message ?? ''}\n${frame.body}`, (destination) =>
      namesInErrors(this.dialect, destination),
    );
    for (const pending of blamed) pending.reject(translateRefusal(frame, pending.destination, this.endpoint, password));
    this.#cause = new ConnectionError(`${this.endpoint.display} sent an ERROR frame: ${text}`);
    if (blamed.length === 0) this.#open.logger?.warn?.('STOMP ERROR frame', { endpoint: this.endpoint.display, error: text });
  }

  #lost(error: UnifiedMqError): void {
    if (this.#state === 'closed') return;
    const reported = this.#state === 'open';
    this.#state = 'closed';
    this.#stopTimers();
    this.#receipts.rejectAll(error.retryable ? error : new ConnectionError(error.message, { cause: error }));
    this.#endSubscriptions();
    // Discard, not close: a graceful close to a frozen or misbehaving peer may never complete.
    void this.#client.deactivate({ force: true });
    if (reported) this.#open.onLost(error);
  }

  /** Closes gracefully: DISCONNECT with a receipt, which the broker answers after every earlier frame. */
  async close(): Promise<void> {
    if (this.#state !== 'open') return;
    this.#state = 'closing';
    this.#stopTimers();
    this.#endSubscriptions();
    const graceful = this.#client.deactivate();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), Math.max(100, Math.min(2000, this.#open.heartbeatMs)));
    });
    const forced = await Promise.race([graceful.then(() => false, () => false), timedOut]);
    clearTimeout(timer);
    if (forced) await this.#client.deactivate({ force: true }).catch(() => undefined);
    this.#state = 'closed';
    this.#receipts.rejectAll(new ConnectionError(`${this.endpoint.display}: the connection closed before the broker's RECEIPT`));
  }

  #stopTimers(): void {
    this.#watchdog?.stop();
    this.#redelivery.cancelAll();
  }

  #endSubscriptions(): void {
    for (const subscription of this.#subscriptions.values()) {
      subscription.open = false;
      subscription.unsettled.clear();
    }
    this.#subscriptions.clear();
  }

  #closedError(): ConnectionError {
    return new ConnectionError(`${this.endpoint.display}: the STOMP connection is closed`);
  }

  /** stompjs throws when its connection is gone (TypeError: There is no underlying STOMP connection). */
  #writeError(error: unknown): UnifiedMqError {
    if (error instanceof UnifiedMqError) return error;
    return new ConnectionError(`${this.endpoint.display}: ${(error as Error)?.message ?? String(error)}`, { cause: error });
  }

  /** Header values stompjs does not escape itself (everything on STOMP 1.1). */
  #wire(value: string): string {
    return this.version === '1.2' ? value : encodeValue(value, this.version);
  }
}

/**
 * A WebSocket closed because the platform refused a text frame that is not valid UTF-8: the broker sent a
 * binary body in a text frame. `ws` and the RFC 6455 §8.1 reader close with 1007. Chromium 156 and
 * Firefox ESR 153 report 1006, preceded by an error event, where a dropped network gives 1006 without one
 * (measured). Undefined for any other close.
 */
function refusedTextFrame(code: number | undefined, errorEvent: boolean, textFrames: boolean, endpoint: Endpoint): ConnectionError | undefined {
  if (code !== 1007 && !(code === 1006 && errorEvent && textFrames)) return undefined;
  return new ConnectionError(
    `${endpoint.display} delivered a message in a WebSocket text frame that is not valid UTF-8 (a binary body), and this platform ` +
      `closed the socket over it (close code ${code}). The broker sends text frames: set it to binary frames ` +
      '(RabbitMQ: web_stomp.ws_frame = binary), or send only text and JSON bodies to this client (capabilities.binaryBodies is false here)',
    { deliveryFault: true },
  );
}
