/**
 * One STOMP connection (stompjs Client) as a TransportConnection: sends confirmed by RECEIPT,
 * client-individual acks, broker-side prefetch, dialect-specific headers.
 */
import type { Client, IMessage, StompHeaders } from '@stomp/stompjs';
import { ConnectionError, UnifiedMqError, UnsupportedError } from '../../core/errors.js';
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
import { capabilitiesOf, fromDestination, sendHeaders, subscribeHeaders, toDestination, type StompDialect } from './dialect.js';
import { translateErrorFrame } from './translate.js';

const MESSAGE_ID_HEADER = 'umq-message-id';

/** Frame headers that belong to the protocol or the broker, not to the application. */
const PROTOCOL_HEADERS = new Set([
  'destination', 'message-id', 'subscription', 'ack', 'content-length', 'content-type', 'redelivered', 'expires',
  'expiration', 'priority', 'persistent', 'timestamp', 'correlation-id', 'reply-to', 'receipt', 'type',
  MESSAGE_ID_HEADER, POSSIBLE_DUPLICATE_HEADER,
]);

export class StompConnection implements TransportConnection {
  readonly capabilities: Capabilities;
  readonly #client: Client;
  readonly #options: OpenOptions;
  readonly #dialect: StompDialect;
  /** Sends awaiting their RECEIPT, by receipt id. */
  readonly #receipts = new Map<string, { resolve: () => void; reject: (error: UnifiedMqError) => void }>();
  #nextReceipt = 0;
  #closed = false;

  constructor(readonly endpoint: Endpoint, client: Client, options: OpenOptions, dialect: StompDialect) {
    this.#client = client;
    this.#options = options;
    this.#dialect = dialect;
    this.capabilities = capabilitiesOf(dialect);
    client.onUnhandledReceipt = (frame) => {
      const id = frame.headers['receipt-id'];
      const waiting = id === undefined ? undefined : this.#receipts.get(id);
      if (!waiting) return;
      this.#receipts.delete(id!);
      waiting.resolve();
    };
    client.onStompError = (frame) => {
      const error = translateErrorFrame(frame, endpoint, options.password, false);
      const id = frame.headers['receipt-id'];
      const waiting = id === undefined ? undefined : this.#receipts.get(id);
      if (waiting) {
        this.#receipts.delete(id!);
        waiting.reject(error);
      }
      // STOMP 1.2 §ERROR: the server closes the connection after an ERROR frame.
      this.lost(error);
    };
    client.onWebSocketClose = () => this.lost(new ConnectionError(`${endpoint.display}: the connection closed`));
    client.onHeartbeatLost = () =>
      this.lost(new ConnectionError(`${endpoint.display} sent nothing for more than the heart-beat tolerance; the connection is considered dead`));
    client.onWebSocketError = () => this.lost(new ConnectionError(`${endpoint.display}: socket error`));
  }

  lost(error: UnifiedMqError): void {
    if (this.#closed) return;
    this.#closed = true;
    const retryable = error.retryable ? error : new ConnectionError(error.message, { cause: error });
    for (const waiting of this.#receipts.values()) waiting.reject(retryable);
    this.#receipts.clear();
    void this.#client.deactivate({ force: true });
    this.#options.onLost(error);
  }

  publish(message: OutgoingMessage, confirm: boolean): Promise<void> {
    if (this.#closed) return Promise.reject(new ConnectionError(`${this.endpoint.display}: the connection is closed`));
    const headers: StompHeaders = { ...message.headers, [MESSAGE_ID_HEADER]: message.messageId };
    if (message.contentType !== undefined) headers['content-type'] = message.contentType;
    if (message.correlationId !== undefined) headers['correlation-id'] = message.correlationId;
    if (message.replyTo !== undefined) headers['reply-to'] = message.replyTo;
    if (message.possibleDuplicate) headers[POSSIBLE_DUPLICATE_HEADER] = 'true';
    sendHeaders(this.#dialect, message, headers as Record<string, string>);
    const destination = toDestination(this.#dialect, message.kind, message.destination);
    if (!confirm) {
      try {
        this.#client.publish({ destination, binaryBody: message.bytes, headers });
        return Promise.resolve();
      } catch (error) {
        return Promise.reject(new ConnectionError(`${this.endpoint.display}: ${(error as Error).message}`, { cause: error }));
      }
    }
    const receipt = `r${this.#nextReceipt++}`;
    headers.receipt = receipt;
    return new Promise<void>((resolve, reject) => {
      this.#receipts.set(receipt, { resolve, reject });
      try {
        this.#client.publish({ destination, binaryBody: message.bytes, headers });
      } catch (error) {
        this.#receipts.delete(receipt);
        reject(new ConnectionError(`${this.endpoint.display}: ${(error as Error).message}`, { cause: error }));
      }
    });
  }

  subscribe(request: SubscriptionRequest, deliver: (delivery: Delivery) => void): Promise<TransportSubscription> {
    if (this.#closed) return Promise.reject(new ConnectionError(`${this.endpoint.display}: the connection is closed`));
    const destination = toDestination(this.#dialect, request.kind, request.destination);
    const headers = subscribeHeaders(this.#dialect, request, this.#options.clientId);
    // The SUBSCRIBE carries a receipt, so the subscription is known to be in place when this resolves.
    const receipt = `s${this.#nextReceipt++}`;
    headers.receipt = receipt;
    return new Promise<TransportSubscription>((resolve, reject) => {
      this.#receipts.set(receipt, {
        resolve: () => resolve({
          unsubscribe: async () => {
            if (!this.#closed) subscription.unsubscribe(request.durable !== undefined && this.#dialect === 'activemq' ? {} : undefined);
          },
        }),
        reject,
      });
      const subscription = this.#client.subscribe(destination, (frame) => deliver(this.#toDelivery(frame)), headers);
    });
  }

  #toDelivery(frame: IMessage): Delivery {
    const raw = frame.headers;
    let headers: Headers | undefined;
    for (const key in raw) {
      if (PROTOCOL_HEADERS.has(key)) continue;
      (headers ??= {})[key] = raw[key]!;
    }
    const expires = raw.expires ? Number(raw.expires) : undefined;
    return {
      destination: fromDestination(raw.destination ?? ''),
      bytes: frame.binaryBody,
      headers: headers ?? {},
      messageId: raw[MESSAGE_ID_HEADER] ?? raw['message-id'],
      correlationId: raw['correlation-id'],
      replyTo: raw['reply-to'],
      contentType: raw['content-type'],
      priority: raw.priority !== undefined ? Number(raw.priority) : undefined,
      expiresAt: expires && expires > 0 ? expires : undefined,
      redelivered: raw.redelivered === 'true',
      possibleDuplicate: raw[POSSIBLE_DUPLICATE_HEADER] === 'true',
      tag: frame,
    };
  }

  ack(delivery: Delivery): Promise<void> {
    if (!this.#closed) (delivery.tag as IMessage).ack();
    return Promise.resolve();
  }

  nack(delivery: Delivery, requeue: boolean): Promise<void> {
    if (!this.capabilities.nack) return Promise.reject(new UnsupportedError('nack is not available on this broker over STOMP'));
    if (!this.#closed) (delivery.tag as IMessage).nack(requeue ? {} : { requeue: 'false' });
    return Promise.resolve();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const waiting of this.#receipts.values()) waiting.reject(new ConnectionError(`${this.endpoint.display}: closed before RECEIPT`));
    this.#receipts.clear();
    await this.#client.deactivate().catch(() => undefined);
  }
}
