/**
 * The consumer side of the publisher's poison-message rule (./publisher.ts). Some deliveries end the
 * connection they arrive on: a binary body in a WebSocket text frame, which a browser refuses (RabbitMQ
 * Web-STOMP's default `web_stomp.ws_frame = text`), or a frame over the client's size cap. The broker hands
 * a queued message out again on the next connection, so a client that simply reconnects loops for ever
 * over one message. The transport flags such a loss (`deliveryFault`). When {@link POISON_LOSSES}
 * connections in a row were lost that way, and none of them delivered a message (so no progress was
 * made: the same message is coming back), the client stops with a typed error instead. A browser cannot
 * say which message it refused, hence counting connections rather than messages.
 */
import { ConnectionError, PayloadTooLargeError, type UnifiedMqError } from './errors.js';
import { POISON_LOSSES } from './publisher.js';

/** A lost connection that a delivery caused. An inbound frame over the size cap always is one. */
export function isDeliveryFault(error: UnifiedMqError): boolean {
  return error.deliveryFault || error instanceof PayloadTooLargeError;
}

export class DeliveryFaults {
  #inARow = 0;

  /**
   * Counts one lost connection; `delivered`: a message reached a subscription on it. Returns the error to
   * stop the client with, once the limit is reached.
   */
  lost(error: UnifiedMqError, delivered: boolean): UnifiedMqError | undefined {
    if (delivered) this.#inARow = 0;
    if (!isDeliveryFault(error)) {
      this.#inARow = 0;
      return undefined;
    }
    if (++this.#inARow < POISON_LOSSES) return undefined;
    this.#inARow = 0;
    return new ConnectionError(
      `The connection was lost ${POISON_LOSSES} times in a row over a message the broker delivered, with no message received in between; the client stops rather than ` +
        `reconnect in a loop (a queued message would come back every time). Last loss: ${error.message}`,
      { cause: error, retryable: false, deliveryFault: true },
    );
  }
}
