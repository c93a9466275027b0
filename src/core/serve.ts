/**
 * The serving side of request/reply: a consumer whose handler's return value goes back to the request's
 * `replyTo`, with the request's `correlationId` (or its messageId when it has none, as JMS does).
 *
 * The request is acked only after the broker confirmed the reply, and a handler that throws sends no
 * reply and nacks the request. Delivery is therefore at-least-once: after a failover, or when the reply
 * could not be confirmed, the same request (same messageId and correlationId, `possibleDuplicate` set)
 * may reach a handler again, and requesters also re-send requests whose reply may have been lost.
 * Handlers should be idempotent, or de-duplicate by `correlationId`.
 */
import { UnifiedMqError } from './errors.js';
import type { OutgoingMessage } from './transport.js';
import type { Codec, Logger, Message } from './types.js';

/** Returns the reply body: a Uint8Array, a string, or anything JSON can carry (see the codec). */
export type ServeHandler<T = unknown> = (request: Message<T>) => unknown;

export interface ServeContext {
  readonly codec: Codec;
  readonly logger: Logger | undefined;
  nextMessageId(): string;
  /** The client's publish pipeline (confirmed, buffered across a failover). */
  publish(message: OutgoingMessage): Promise<void>;
}

/** The consumer's handler for `serve(destination, handler)`. */
export function replyingHandler<T>(destination: string, handler: ServeHandler<T>, context: ServeContext): (request: Message<T>) => Promise<void> {
  return async (request) => {
    const result = await handler(request);
    const replyTo = request.replyTo;
    if (replyTo === undefined) {
      context.logger?.debug?.('serve: a request without replyTo was handled; no reply sent', { destination, messageId: request.messageId });
      return;
    }
    const { bytes, contentType } = context.codec.encode(result, undefined);
    try {
      await context.publish(replyMessage(request, replyTo, bytes, contentType, context));
    } catch (error) {
      // Refused for good (ActiveMQ: DestinationDoesNotExistException, the requester's temporary queue went
      // with its connection): retrying cannot help, and nacking would loop. The request is acked; the
      // requester re-sends it on its new connection if it still waits.
      if (!(error instanceof UnifiedMqError) || error.retryable) throw error;
      context.logger?.warn?.('serve: the broker refused the reply for good (a reply address gone with its requester, or a reply it cannot take); the request is acked without one', {
        destination,
        replyTo,
        error: error.message,
      });
    }
  };
}

function replyMessage<T>(request: Message<T>, replyTo: string, bytes: Uint8Array, contentType: string | undefined, context: ServeContext): OutgoingMessage {
  return {
    kind: 'reply',
    destination: replyTo,
    bytes,
    headers: undefined,
    contentType,
    messageId: context.nextMessageId(),
    correlationId: request.correlationId ?? request.messageId,
    replyTo: undefined,
    // Reply addresses live as long as the requester's connection: nothing to keep on disk.
    persistent: false,
    priority: undefined,
    ttlMs: undefined,
    possibleDuplicate: false,
  };
}
