/**
 * Subscriptions without a handler: an async iterable of messages. With ack 'auto', a message is acked
 * when the loop asks for the next one (or leaves), i.e. once the loop body has finished with it.
 */
import type { ReceivedMessage } from './message.js';
import type { Message } from './types.js';

export class MessageQueue<T> implements AsyncIterator<Message<T>> {
  #items: ReceivedMessage<T>[] = [];
  #head = 0;
  #waiting: ((result: IteratorResult<Message<T>>) => void) | undefined;
  #failWaiting: ((error: Error) => void) | undefined;
  #done = false;
  #error: Error | undefined;
  #previous: ReceivedMessage<T> | undefined;
  readonly #autoAck: boolean;
  readonly #onReturn: () => Promise<void>;

  constructor(autoAck: boolean, onReturn: () => Promise<void>) {
    this.#autoAck = autoAck;
    this.#onReturn = onReturn;
  }

  get buffered(): number { return this.#items.length - this.#head; }

  push(message: ReceivedMessage<T>): void {
    if (this.#done) return;
    const waiting = this.#waiting;
    if (waiting) {
      this.#waiting = undefined;
      this.#failWaiting = undefined;
      this.#previous = message;
      waiting({ value: message, done: false });
      return;
    }
    this.#items.push(message);
  }

  /** Ends the iteration: normally (`error` undefined) or with an error thrown from the pending `next()`. */
  end(error?: Error): void {
    if (this.#done) return;
    this.#done = true;
    this.#error = error;
    const waiting = this.#waiting;
    const fail = this.#failWaiting;
    this.#waiting = undefined;
    this.#failWaiting = undefined;
    if (error && fail) fail(error);
    else waiting?.({ value: undefined, done: true });
  }

  #settlePrevious(): void {
    const previous = this.#previous;
    this.#previous = undefined;
    if (this.#autoAck && previous && !previous.settled) previous.ack().catch(() => undefined);
  }

  next(): Promise<IteratorResult<Message<T>>> {
    this.#settlePrevious();
    if (this.#head < this.#items.length) {
      const message = this.#items[this.#head]!;
      this.#items[this.#head++] = undefined as unknown as ReceivedMessage<T>;
      if (this.#head === this.#items.length) {
        this.#items = [];
        this.#head = 0;
      }
      this.#previous = message;
      return Promise.resolve({ value: message, done: false });
    }
    if (this.#done) {
      if (this.#error) return Promise.reject(this.#error);
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => {
      this.#waiting = resolve;
      this.#failWaiting = reject;
    });
  }

  async return(): Promise<IteratorResult<Message<T>>> {
    this.#settlePrevious();
    this.end();
    // Messages buffered but never read go back to the broker for redelivery, not acked.
    const unread = this.#items.slice(this.#head);
    this.#items = [];
    this.#head = 0;
    for (const message of unread) message.nack({ requeue: true }).catch(() => undefined);
    await this.#onReturn();
    return { value: undefined, done: true };
  }
}
