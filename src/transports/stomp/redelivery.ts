/**
 * Client-side redelivery for `nack({ requeue: true })` on ActiveMQ. ActiveMQ Classic turns a STOMP NACK
 * into a poison ack: the message goes to the dead-letter queue at once (ProtocolConverter, MessageAck
 * POISON_ACK_TYPE), whatever the broker's redelivery policy. Its own JMS client redelivers on the client
 * instead (RedeliveryPolicy): the message stays unacknowledged on the broker, and the session hands it to
 * the consumer again. This does the same: the message keeps its place in the prefetch window, comes back
 * to the same subscription after a delay, and if the connection or subscription ends first, the broker
 * redelivers it because it was never acknowledged.
 */
export class LocalRedelivery {
  readonly #delayMs: number;
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();

  constructor(delayMs: number) {
    this.#delayMs = delayMs;
  }

  /** Runs `redeliver` after the delay, unless cancelled first. */
  schedule(redeliver: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      redeliver();
    }, this.#delayMs);
    this.#timers.add(timer);
  }

  cancelAll(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }
}
