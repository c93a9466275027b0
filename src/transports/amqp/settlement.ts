/**
 * Settles received deliveries so that rhea never merges two different outcomes into one disposition.
 *
 * rhea 3.0.5 (session.js `write_dispositions`) batches the deliveries settled in one tick into
 * `first..last` ranges and sends each range with the state of its FIRST delivery. It compares states
 * only once a range holds two deliveries, so the first two always merge: an accept followed by a
 * release accepts both (the released message is lost), a release followed by an accept releases both
 * (the accepted one comes back). Seen on RabbitMQ 3.10 as 1–2 of 50 nacked messages never redelivered.
 *
 * The fix here: all settlements rhea writes in one batch share one outcome. A settlement with another
 * outcome waits (in order) until rhea has written the current batch, which it does on the next tick.
 * The common case, a stream of accepts, goes straight through.
 */
import type { Delivery as RheaDelivery } from 'rhea-promise';

export type Outcome = 'accept' | 'release' | 'reject';

const REJECTED_BY_APPLICATION = { condition: 'amqp:internal-error', description: 'rejected by the application (nack without requeue)' };

function apply(delivery: RheaDelivery, outcome: Outcome): void {
  if (delivery.settled) return;
  if (outcome === 'accept') delivery.accept();
  // AMQP 1.0 §3.4.4 released: back to the queue, redelivered with first-acquirer false. `modified`
  // would raise the delivery count, but RabbitMQ 3.10 answers it with a session error
  // ("Unrecognised state"), which ends every link of the session.
  else if (outcome === 'release') delivery.release();
  else delivery.reject(REJECTED_BY_APPLICATION);
}

export class Settlements {
  /** The outcome of the batch rhea will write on its next tick, if any. */
  #batch: Outcome | undefined;
  readonly #held: Array<{ delivery: RheaDelivery; outcome: Outcome }> = [];
  #timer: ReturnType<typeof setTimeout> | undefined;

  settle(delivery: RheaDelivery, outcome: Outcome): void {
    if (this.#held.length === 0 && (this.#batch === undefined || this.#batch === outcome)) {
      apply(delivery, outcome);
      if (this.#batch === undefined) {
        this.#batch = outcome;
        this.#schedule();
      }
      return;
    }
    this.#held.push({ delivery, outcome });
    this.#schedule();
  }

  /** Forgets what is held (the connection is gone: the broker redelivers those messages anyway). */
  clear(): void {
    this.#held.length = 0;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#batch = undefined;
  }

  #schedule(): void {
    // rhea writes on process.nextTick; a timer runs after it, when the batch is on the wire.
    this.#timer ??= setTimeout(this.#nextBatch, 0);
  }

  readonly #nextBatch = (): void => {
    this.#timer = undefined;
    this.#batch = undefined;
    let taken = 0;
    for (const { delivery, outcome } of this.#held) {
      if (this.#batch !== undefined && outcome !== this.#batch) break;
      apply(delivery, outcome);
      this.#batch = outcome;
      taken++;
    }
    this.#held.splice(0, taken);
    if (this.#batch !== undefined) this.#schedule();
  };
}
