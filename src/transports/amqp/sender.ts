/**
 * One sender link per address, created on first use and cached by the connection.
 *
 * Sends are unsettled and pipelined: each is written at once and confirmed by its own disposition
 * (AMQP 1.0 §3.4: `accepted`, else `rejected`, `released` or `modified`). Nothing waits for one send
 * before writing the next. Until the link is attached, or while the broker grants it no credit
 * (§2.6.7), sends wait here in order and are written as soon as it can take them.
 *
 * rhea-promise's AwaitableSender would arm a timer, two closures and a map entry per message; a plain
 * sender whose deliveries are matched to their outcome events does the same job with one map entry.
 */
import { SenderEvents, type Delivery as RheaDelivery, type EventContext, type Message as RheaMessage, type Sender, type Session } from 'rhea-promise';
import type { UnifiedMqError } from '../../core/errors.js';
import { SETTLED, type OutgoingKind } from '../../core/transport.js';
import type { Terminus } from './dialect.js';

/** The caller's side of one publish: how to settle its promise. */
export interface PendingSend {
  resolve(): void;
  reject(error: UnifiedMqError): void;
}

/** What a sender needs from its connection. */
export interface SenderOwner {
  /** The error for a send whose outcome can no longer be known (link or connection gone): retryable. */
  inDoubt(): UnifiedMqError;
  outcome(outcome: 'rejected' | 'released' | 'modified', remoteError: unknown): UnifiedMqError;
  linkError(error: unknown, destination: string): UnifiedMqError;
  /** The link is unusable: drop it from the cache (the next publish attaches a new one). */
  forget(sender: AddressSender): void;
}

interface Waiting {
  readonly message: RheaMessage;
  readonly pending: PendingSend;
  readonly confirm: boolean;
}

export class AddressSender {
  readonly kind: OutgoingKind;
  /** The unified name, and the dialect's address for it. */
  readonly destination: string;
  readonly address: string;
  readonly #owner: SenderOwner;
  #link: Sender | undefined;
  #broken = false;
  readonly #waiting: Waiting[] = [];
  /** Confirmed sends written and not yet settled by the broker. */
  readonly #unsettled = new Map<RheaDelivery, PendingSend>();

  constructor(owner: SenderOwner, session: Session, kind: OutgoingKind, destination: string, target: Terminus) {
    this.#owner = owner;
    this.kind = kind;
    this.destination = destination;
    this.address = target.address;
    session.createSender({ target, autosettle: true }).then(
      (link) => this.#attached(link),
      (error: unknown) => this.fail(owner.linkError(error, destination)),
    );
  }

  /**
   * Writes at once when the link can take it; otherwise the message waits its turn. Resolves when the
   * broker accepted it, or, unconfirmed, once it is written: `SETTLED` when that was at once.
   */
  send(message: RheaMessage, confirm: boolean): Promise<void> {
    const link = this.#link;
    if (link !== undefined && this.#waiting.length === 0 && link.sendable()) {
      if (!confirm) {
        this.#writeSettled(link, message);
        return SETTLED;
      }
      return new Promise<void>((resolve, reject) => this.#write(link, message, { resolve, reject }, true));
    }
    return new Promise<void>((resolve, reject) => this.#waiting.push({ message, pending: { resolve, reject }, confirm }));
  }

  /** Rejects everything waiting or unsettled: the link or the connection is gone. */
  fail(error: UnifiedMqError): void {
    if (this.#broken) return;
    this.#broken = true;
    this.#owner.forget(this);
    for (const waiting of this.#waiting.splice(0)) waiting.pending.reject(error);
    const unsettled = [...this.#unsettled.values()];
    this.#unsettled.clear();
    const inDoubt = error.retryable ? error : this.#owner.inDoubt();
    for (const pending of unsettled) pending.reject(inDoubt);
  }

  close(): void {
    this.#broken = true;
    this.#link?.close().catch(() => undefined);
  }

  #attached(link: Sender): void {
    if (this.#broken) {
      link.close().catch(() => undefined);
      return;
    }
    this.#link = link;
    link.on(SenderEvents.sendable, () => this.#flush());
    link.on(SenderEvents.accepted, (context: EventContext) => this.#settled(context, undefined));
    link.on(SenderEvents.rejected, (context: EventContext) => this.#settled(context, 'rejected'));
    link.on(SenderEvents.released, (context: EventContext) => this.#settled(context, 'released'));
    link.on(SenderEvents.modified, (context: EventContext) => this.#settled(context, 'modified'));
    // The broker detached the link (§2.6.5), e.g. the queue was deleted: what is unsettled is in doubt.
    link.on(SenderEvents.senderError, (context: EventContext) => this.fail(this.#owner.linkError(context.sender?.error, this.destination)));
    link.on(SenderEvents.senderClose, () => this.fail(this.#owner.inDoubt()));
    this.#flush();
  }

  #flush(): void {
    const link = this.#link;
    if (link === undefined || this.#broken) return;
    let written = 0;
    while (written < this.#waiting.length && link.sendable()) {
      const { message, pending, confirm } = this.#waiting[written++]!;
      this.#write(link, message, pending, confirm);
    }
    if (written > 0) this.#waiting.splice(0, written);
  }

  #write(link: Sender, message: RheaMessage, pending: PendingSend, confirm: boolean): void {
    if (confirm) this.#unsettled.set(link.send(message), pending);
    else {
      this.#writeSettled(link, message);
      pending.resolve();
    }
  }

  /**
   * Unconfirmed: sent pre-settled (§2.7.5 `settled`), so the broker sends no disposition back, as to a
   * pre-settled link, unless its attach said the link is unsettled-only (snd-settle-mode 0, §2.8.2).
   * rhea writes the transfer later in its tick and reads the flag then, as its own Sender.send does.
   */
  #writeSettled(link: Sender, message: RheaMessage): void {
    const delivery = link.send(message);
    if (link.sendSettleMode !== 0) (delivery as { settled: boolean }).settled = true;
  }

  #settled(context: EventContext, failure: 'rejected' | 'released' | 'modified' | undefined): void {
    const delivery = context.delivery;
    if (delivery === undefined) return;
    const pending = this.#unsettled.get(delivery);
    if (pending === undefined) return;
    this.#unsettled.delete(delivery);
    if (failure === undefined) pending.resolve();
    else pending.reject(this.#owner.outcome(failure, (delivery.remote_state as { error?: unknown } | undefined)?.error));
  }
}
