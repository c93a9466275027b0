/**
 * The one path every byte from the broker takes: a platform socket (./socket.node.ts or ./socket.ts)
 * feeds this guard, which shows rhea the small socket face rhea's connection expects (`on('data' |
 * 'error' | 'end')`, `write`, `end`, `destroy`, as rhea's own WebSocket wrapper does).
 *
 * On the way it
 * - scans frames (./frame-scanner.ts): an oversized frame, or a peer that does not speak AMQP 1.0,
 *   fails the connection at once with a clear error instead of rhea's buffering or protocol-header message;
 * - watches for silence: when the broker gives no sign of life for `deadAfterMs` (it owes us a frame
 *   every half idle-time-out, AMQP 1.0 §2.4.5; a frame trickled byte by byte is no sign, see
 *   core/liveness.ts), the socket is destroyed and rhea reports the loss.
 */
import type { UnifiedMqError } from '../../core/errors.js';
import { Liveness } from '../../core/liveness.js';
import { startSilenceWatchdog, type SilenceWatchdog } from '../kit/watchdog.js';
import type { Endpoint } from '../../core/transport.js';
import { FrameScanner } from './frame-scanner.js';
import { closedBeforeHeader, silenceError, violationError } from './translate.js';

/** What a platform socket reports. Chunks must be what rhea can read (a Buffer; see ./socket.ts). */
export interface SocketEvents {
  open(): void;
  data(chunk: Uint8Array): void;
  error(error: unknown): void;
  close(): void;
}

/** A platform socket, already connecting. */
export interface RawSocket {
  write(bytes: Uint8Array): void;
  /** Graceful close (TCP FIN / WebSocket close). */
  end(): void;
  destroy(): void;
}

type Handler = (value?: unknown) => void;

export class GuardedSocket implements SocketEvents {
  readonly #endpoint: Endpoint;
  readonly #scanner: FrameScanner;
  readonly #limit: number;
  #raw: RawSocket | undefined;
  #onOpen: (() => void) | undefined;
  #onData: Handler | undefined;
  #onError: Handler | undefined;
  #onEnd: Handler | undefined;
  #failure: UnifiedMqError | undefined;
  #finished = false;
  #liveness = new Liveness();
  #watchdog: SilenceWatchdog | undefined;

  constructor(endpoint: Endpoint, maxFrameBytes: number) {
    this.#endpoint = endpoint;
    this.#limit = maxFrameBytes;
    this.#scanner = new FrameScanner(maxFrameBytes);
  }

  /** Why the guard closed the connection, if it did: the error to report instead of rhea's. */
  get failure(): UnifiedMqError | undefined {
    return this.#failure;
  }

  /** True once the peer sent its AMQP protocol header: something listens behind the port. */
  get heard(): boolean {
    return this.#scanner.greeted;
  }

  /** True once the socket failed, errored or was closed by the peer: nothing more will arrive. */
  get finished(): boolean {
    return this.#finished;
  }

  /** rhea's `connect` hook: `open` is rhea's "connected" callback. */
  attach(raw: RawSocket, open: () => void): this {
    this.#raw = raw;
    this.#onOpen = open;
    return this;
  }

  // ---- the face rhea sees -------------------------------------------------------------------------

  on(event: string, handler: Handler): this {
    if (event === 'data') this.#onData = handler;
    else if (event === 'error') this.#onError = handler;
    else if (event === 'end') this.#onEnd = handler;
    return this;
  }

  write(bytes: Uint8Array): void {
    if (!this.#finished) this.#raw?.write(bytes);
  }

  end(): void {
    this.#raw?.end();
  }

  destroy(): void {
    this.#stopWatchdog();
    this.#raw?.destroy();
  }

  removeAllListeners(): void {
    this.#onData = this.#onError = this.#onEnd = undefined;
  }

  get_id_string(): string {
    return this.#endpoint.display;
  }

  // ---- events from the platform socket --------------------------------------------------------------

  open(): void {
    if (!this.#finished) this.#onOpen?.();
  }

  data(chunk: Uint8Array): void {
    if (this.#finished) return;
    const violation = this.#scanner.scan(chunk);
    this.#liveness.note(this.#scanner.framesCompleted, chunk.length);
    if (violation) {
      // The frames before the offending one are whole: rhea may have them.
      const safe = this.#scanner.safeLength;
      if (safe > 0) this.#onData?.(chunk.subarray(0, safe));
      if (!this.#finished) this.fail(violationError(violation, this.#endpoint, this.#limit));
      return;
    }
    this.#onData?.(chunk);
  }

  error(error: unknown): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#stopWatchdog();
    this.#onError?.(error);
  }

  close(): void {
    if (this.#finished) return;
    // A peer that hangs up before saying `AMQP` is not an AMQP listener (or a TLS one): say so.
    if (!this.#scanner.greeted) {
      this.fail(closedBeforeHeader(this.#endpoint));
      return;
    }
    this.#finished = true;
    this.#stopWatchdog();
    this.#onEnd?.();
  }

  // ---- controls -----------------------------------------------------------------------------------

  /** Fails the connection: the socket is destroyed and rhea hears `error` once. */
  fail(error: UnifiedMqError): void {
    if (this.#finished) return;
    this.#failure = error;
    this.#finished = true;
    this.#stopWatchdog();
    this.#raw?.destroy();
    this.#onError?.(error);
  }

  /**
   * Declares the broker dead after `deadAfterMs` without a byte. Checked every quarter of that, so a
   * silent broker is caught between 1 and 1.25 × deadAfterMs.
   */
  watch(deadAfterMs: number, heartbeatMs: number): void {
    this.#stopWatchdog();
    this.#liveness = new Liveness();
    this.#watchdog = startSilenceWatchdog({
      deadAfterMs,
      checkEveryMs: deadAfterMs / 4,
      lastHeardAt: () => this.#liveness.lastHeardAt,
      onDead: (silentMs) => this.fail(silenceError(this.#endpoint, silentMs, heartbeatMs)),
    });
  }

  #stopWatchdog(): void {
    this.#watchdog?.stop();
    this.#watchdog = undefined;
  }
}
