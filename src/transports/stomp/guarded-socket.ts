/**
 * The one place every inbound byte passes through: a WebSocket-like wrapper around the platform socket
 * (tcp-wrapper, TLS, `ws`, or a browser WebSocket) that stompjs talks through. Every read goes to the
 * frame scanner, which hands MESSAGE frames and our RECEIPTs to the connection (`frames`) and passes the
 * rest on to stompjs. It records when the broker was last heard from (for the heart-beat watchdog), and
 * discards the socket at once when a frame breaks a cap, before anything buffers it.
 */
import type { IStompSocket, IStompSocketMessageEvent } from '@stomp/stompjs';
import type { UnifiedMqError } from '../../core/errors.js';
import { FrameScanner, type FrameHeaders, type ScannedFrame, type ScannerLimits } from './frame-scanner.js';

/** The frames the connection reads itself; until it is set (during the handshake) stompjs reads all. */
export interface FrameHandler {
  claims(command: string, headers: FrameHeaders): boolean;
  frame(frame: ScannedFrame): void;
}

/** WebSocket readyState values (stompjs's StompSocketState), spelled out to keep this file free of enums. */
const CLOSED = 3;
const encoder = new TextEncoder();
const noop = () => undefined;

type Handler = ((event?: any) => any) | null | undefined;

export class GuardedSocket implements IStompSocket {
  readonly scanner: FrameScanner;
  frames: FrameHandler | undefined;
  /** Date.now() of the last bytes received (any bytes: frames or heart-beats). */
  lastActivityAt = Date.now();
  /** Whether the broker has sent anything at all (a peer that closes before a byte refused the connection). */
  heard = false;
  /** Called once when inbound bytes break a limit; the socket is discarded right after. */
  onViolation: ((error: UnifiedMqError) => void) | undefined;

  onopen: Handler = null;
  onclose: Handler = null;
  onerror: Handler = null;
  onmessage: Handler = null;

  readonly #inner: IStompSocket;
  #discarded = false;

  constructor(inner: IStompSocket, limits: ScannerLimits) {
    this.#inner = inner;
    this.scanner = new FrameScanner(limits, {
      claims: (command, headers) => this.frames?.claims(command, headers) ?? false,
      frame: (frame) => {
        if (!this.#discarded) this.frames?.frame(frame);
      },
      passOn: (bytes) => this.#passOn(bytes),
    });
    inner.onopen = (event?: unknown) => this.onopen?.(event);
    inner.onerror = (event: unknown) => this.onerror?.(event);
    inner.onclose = (event?: unknown) => this.#closed(event);
    inner.onmessage = (event: IStompSocketMessageEvent) => this.#receive(event.data);
  }

  get url(): string {
    return this.#inner.url;
  }

  get readyState(): number {
    return this.#discarded ? CLOSED : this.#inner.readyState;
  }

  get binaryType(): string | undefined {
    return this.#inner.binaryType;
  }

  set binaryType(value: string | undefined) {
    this.#inner.binaryType = value;
  }

  send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void {
    this.#inner.send(data);
  }

  close(): void {
    this.#inner.close();
  }

  /**
   * Drops the socket without a closing handshake (stompjs calls this for a lost heart-beat or a forced
   * deactivation: a graceful close to a frozen peer never completes). `onclose` follows at once.
   */
  terminate(): void {
    if (this.#discarded) return;
    this.#discarded = true;
    const inner = this.#inner;
    // No-ops, not null: tcp-wrapper calls its handlers without checking them.
    inner.onmessage = noop;
    inner.onerror = noop;
    inner.onopen = noop;
    inner.onclose = noop;
    if (typeof inner.terminate === 'function') inner.terminate();
    else inner.close();
    this.onclose?.({ code: 4001, reason: 'discarded', wasClean: false });
  }

  #closed(event: unknown): void {
    if (this.#discarded) return;
    this.#discarded = true;
    this.onclose?.(event);
  }

  #receive(data: unknown): void {
    if (this.#discarded) return;
    this.lastActivityAt = Date.now();
    this.heard = true;
    // A plain Uint8Array over the read (a Node Buffer is a subclass): the bodies cut from it are views of
    // it, and users get Uint8Array bodies on every platform.
    const bytes =
      typeof data === 'string'
        ? encoder.encode(data)
        : data instanceof ArrayBuffer
          ? new Uint8Array(data)
          : new Uint8Array((data as Uint8Array).buffer, (data as Uint8Array).byteOffset, (data as Uint8Array).byteLength);
    const violation = this.scanner.scan(bytes);
    if (violation) {
      // Report the reason first: the close that terminate() triggers would otherwise be taken for it.
      if (!this.#discarded) this.onViolation?.(violation);
      this.terminate();
    }
  }

  #passOn(bytes: Uint8Array): void {
    if (this.#discarded) return;
    // stompjs copies a typed array but only wraps an ArrayBuffer: hand it the buffer when the bytes fill it.
    const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
    this.onmessage?.({ data: whole ? (bytes.buffer as ArrayBuffer) : bytes });
  }
}
