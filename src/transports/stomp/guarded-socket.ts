/**
 * The one place every inbound byte passes through on its way to stompjs: a WebSocket-like wrapper around
 * the platform socket (tcp-wrapper, TLS, `ws`, or a browser WebSocket). It feeds the frame scanner (size
 * cap, faithful MESSAGE headers), records when the broker was last heard from (for the heart-beat
 * watchdog), and discards the socket at once when a frame breaks the cap, before stompjs buffers it.
 */
import type { IStompSocket, IStompSocketMessageEvent } from '@stomp/stompjs';
import type { UnifiedMqError } from '../../core/errors.js';
import { FrameScanner } from './frame-scanner.js';

/** WebSocket readyState values (stompjs's StompSocketState), spelled out to keep this file free of enums. */
const CLOSED = 3;
const encoder = new TextEncoder();
const noop = () => undefined;

type Handler = ((event?: any) => any) | null | undefined;

export class GuardedSocket implements IStompSocket {
  readonly scanner: FrameScanner;
  /** Date.now() of the last bytes received (any bytes: frames or heart-beats). */
  lastActivityAt = Date.now();
  /**
   * True once a message arrived as a string: the broker sends text frames (RabbitMQ Web-STOMP's default
   * `web_stomp.ws_frame = text`) and the platform decodes them, so it refuses a body that is not valid UTF-8
   * (browsers). The Node socket (socket.node.ts) hands over bytes for both kinds, and never sets this.
   */
  textFrames = false;
  /** Called once when inbound bytes break a limit; the socket is discarded right after. */
  onViolation: ((error: UnifiedMqError) => void) | undefined;

  onopen: Handler = null;
  onclose: Handler = null;
  onerror: Handler = null;
  onmessage: Handler = null;

  readonly #inner: IStompSocket;
  #discarded = false;

  constructor(inner: IStompSocket, maxFrameBytes: number) {
    this.#inner = inner;
    this.scanner = new FrameScanner(maxFrameBytes);
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
    if (typeof data === 'string') this.textFrames = true;
    const bytes = typeof data === 'string' ? encoder.encode(data) : data instanceof ArrayBuffer ? new Uint8Array(data) : (data as Uint8Array);
    const violation = this.scanner.scan(bytes);
    if (violation) {
      // The frames before the offending one are whole: deliver them.
      const safe = this.scanner.safeLength;
      if (safe > 0) this.onmessage?.({ data: bytes.subarray(0, safe) });
      // Report the reason first: the close that terminate() triggers would otherwise be taken for it.
      if (!this.#discarded) this.onViolation?.(violation);
      this.terminate();
      return;
    }
    // stompjs copies a typed array but only wraps an ArrayBuffer: hand it the buffer when the bytes fill it.
    const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
    this.onmessage?.({ data: whole ? (bytes.buffer as ArrayBuffer) : bytes });
  }
}
