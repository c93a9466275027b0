/**
 * Client-side redelivery for `nack({ requeue: true })` on ActiveMQ. ActiveMQ Classic turns a STOMP NACK
 * into a poison ack: the message goes to the dead-letter queue at once (ProtocolConverter, MessageAck
 * POISON_ACK_TYPE), whatever the broker's redelivery policy. Its own JMS client redelivers on the client
 * instead (RedeliveryPolicy): the message stays unacknowledged on the broker, and the session hands it to
 * the consumer again. This does the same: the message keeps its place in the prefetch window, comes back
 * to the same subscription after a delay, and if the connection or subscription ends first, the broker
 * redelivers it because it was never acknowledged.
 */
/**
 * The pause before a message's n-th redelivery (n from 1): `delayMs` for the first, then doubling from at
 * least REPEAT_FLOOR_MS up to REPEAT_CEILING_MS, so that a handler that always fails does not spin the
 * event loop (ActiveMQ's JMS RedeliveryPolicy backs off the same way when asked to).
 */
const REPEAT_FLOOR_MS = 50;
const REPEAT_CEILING_MS = 5000;

export function redeliveryDelay(delayMs: number, redelivery: number): number {
  if (redelivery <= 1) return delayMs;
  return Math.min(Math.max(delayMs, REPEAT_FLOOR_MS) * 2 ** (redelivery - 2), Math.max(delayMs, REPEAT_CEILING_MS));
}

export class LocalRedelivery {
  readonly #delayMs: number;
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();

  constructor(delayMs: number) {
    this.#delayMs = delayMs;
  }

  /** Runs `redeliver` before the message's `redelivery`-th delivery again, unless cancelled first. */
  schedule(redelivery: number, redeliver: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      redeliver();
    }, redeliveryDelay(this.#delayMs, redelivery));
    this.#timers.add(timer);
  }

  cancelAll(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }
}
