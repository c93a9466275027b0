/**
 * The consumer side of the publisher's poison-message rule (./publisher.ts). Some deliveries end the
 * connection they arrive on: a binary body in a WebSocket text frame, which a browser refuses (RabbitMQ
 * Web-STOMP's default `web_stomp.ws_frame = text`), or a frame over the client's size cap. The broker hands
 * a queued message out again on the next connection, so a client that simply reconnects loops for ever
 * over one message. The transport flags such a loss (`deliveryFault`); when every one of
 * {@link POISON_LOSSES} losses in a row was one, the client stops with a typed error instead.
 */
import { ConnectionError, PayloadTooLargeError, type UnifiedMqError } from './errors.js';
import { POISON_LOSSES } from './publisher.js';

/** A lost connection that a delivery caused. An inbound frame over the size cap always is one. */
export function isDeliveryFault(error: UnifiedMqError): boolean {
  return error.deliveryFault || error instanceof PayloadTooLargeError;
}

export class DeliveryFaults {
  #inARow = 0;

  /** Counts one lost connection. Returns the error to stop the client with, once the limit is reached. */
  lost(error: UnifiedMqError): UnifiedMqError | undefined {
    if (!isDeliveryFault(error)) {
      this.#inARow = 0;
      return undefined;
    }
    if (++this.#inARow < POISON_LOSSES) return undefined;
    this.#inARow = 0;
    return new ConnectionError(
      `The connection was lost ${POISON_LOSSES} times in a row over a message the broker delivered; the client stops rather than ` +
        `reconnect in a loop (a queued message would come back every time). Last loss: ${error.message}`,
      { cause: error, retryable: false, deliveryFault: true },
    );
  }
}
