/**
 * Frames waiting for their RECEIPT (confirmed SENDs, SUBSCRIBEs, UNSUBSCRIBEs), and the attribution of
 * an ERROR frame to the operations it refuses.
 *
 * STOMP 1.2 §ERROR says the ERROR for a frame with a `receipt` carries `receipt-id`; ActiveMQ does so.
 * RabbitMQ 3.10 does not: its ERROR names the queue or exchange instead (`ACCESS_REFUSED - queue name
 * 'amq.x' contains reserved prefix 'amq.*'`, `NOT_FOUND - no exchange 'x'`). Such an ERROR is blamed on
 * the pending operations whose destination it quotes; every other pending operation is only caught in the
 * connection's loss and gets a retryable error. A refused message must not be re-sent after the failover
 * that the ERROR's disconnect starts, or it would be refused again, for ever.
 */
import type { UnifiedMqError } from '../../core/errors.js';

export interface PendingReceipt {
  /** The STOMP destination the frame went to. */
  readonly destination: string;
  resolve(): void;
  reject(error: UnifiedMqError): void;
}

export class Receipts {
  readonly #pending = new Map<string, PendingReceipt>();
  #next = 0;

  get size(): number {
    return this.#pending.size;
  }

  /** Registers a frame and returns the receipt id to put in its `receipt` header. */
  add(pending: PendingReceipt): string {
    const id = (this.#next++).toString(36);
    this.#pending.set(id, pending);
    return id;
  }

  has(receiptId: string | undefined): boolean {
    return receiptId !== undefined && this.#pending.has(receiptId);
  }

  /** A RECEIPT arrived. False when the id is not one of ours (stompjs's DISCONNECT receipt, say). */
  settle(receiptId: string | undefined): boolean {
    if (receiptId === undefined) return false;
    const pending = this.#pending.get(receiptId);
    if (!pending) return false;
    this.#pending.delete(receiptId);
    pending.resolve();
    return true;
  }

  /** Removes and returns the operations an ERROR frame refuses (see the file comment). */
  takeBlamed(receiptId: string | undefined, text: string, quotedNames: (destination: string) => string[]): PendingReceipt[] {
    if (receiptId !== undefined) {
      const pending = this.#pending.get(receiptId);
      if (!pending) return [];
      this.#pending.delete(receiptId);
      return [pending];
    }
    const blamed: PendingReceipt[] = [];
    for (const [id, pending] of this.#pending) {
      if (quotedNames(pending.destination).some((name) => text.includes(`'${name}'`))) {
        this.#pending.delete(id);
        blamed.push(pending);
      }
    }
    return blamed;
  }

  rejectAll(error: UnifiedMqError): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) p.reject(error);
  }
}
