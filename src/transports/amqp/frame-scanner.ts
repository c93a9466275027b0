/**
 * Walks the inbound AMQP byte stream frame by frame without buffering it, so that a frame declaring a
 * size over the limit is refused before rhea buffers it (rhea collects a declared frame whole: a
 * probe server got it to hold 64 MiB of a declared 1 GiB frame). It also checks the protocol headers.
 *
 * AMQP 1.0 §2.2: each layer (SASL, then AMQP) starts with an 8-byte header `AMQP` id major minor
 * revision; §2.3.1: every frame starts with a 4-byte big-endian SIZE (header included, at least 8)
 * and DOFF. A header can only appear where a frame could start, and `AMQP` read as a size is
 * 0x414D5150 (about 1 GiB), far over any sensible limit, so the two never get confused.
 */

export type ScanViolation =
  /** The peer's first byte is not the `A` of `AMQP` (a TLS record, an HTTP answer…). */
  | { kind: 'not-amqp'; firstByte: number }
  /** An `AMQP` header for another protocol version (RabbitMQ without AMQP 1.0 answers 0-9-1). */
  | { kind: 'version'; protocolId: number; version: string }
  | { kind: 'too-large'; size: number }
  | { kind: 'malformed'; size: number };

const A = 0x41;
const M = 0x4d;
const Q = 0x51;
const P = 0x50;
const HEADER_BYTES = 8;

export class FrameScanner {
  readonly #limit: number;
  /** Bytes of the current frame still to pass after its 8-byte header. */
  #remaining = 0;
  /** A frame header (or protocol header) split over two chunks. */
  readonly #partial = new Uint8Array(HEADER_BYTES);
  #partialLength = 0;
  #greeted = false;
  #safeLength = 0;
  /** Whole frames and protocol headers scanned so far (signs of life, see core/liveness.ts). */
  framesCompleted = 0;

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** True once the peer has sent a protocol header: it speaks AMQP. */
  get greeted(): boolean {
    return this.#greeted;
  }

  /**
   * After scan() returned a violation: how many leading bytes of that chunk hold whole frames (or the rest
   * of one begun in an earlier chunk) before the offending one. They are sound and may go on to rhea.
   */
  get safeLength(): number {
    return this.#safeLength;
  }

  /** Scans one chunk; returns the first violation found, if any (the caller then closes the socket). */
  scan(chunk: Uint8Array): ScanViolation | undefined {
    const length = chunk.length;
    let at = 0;
    this.#safeLength = 0;
    while (at < length) {
      if (this.#remaining === 0 && this.#partialLength === 0) this.#safeLength = at;
      if (this.#remaining > 0) {
        const skip = Math.min(this.#remaining, length - at);
        this.#remaining -= skip;
        at += skip;
        if (this.#remaining === 0) this.framesCompleted++;
        continue;
      }
      if (!this.#greeted && this.#partialLength === 0 && chunk[at] !== A) {
        // Decide on the first byte: a TLS alert is only 7 bytes long, and then the peer hangs up.
        return { kind: 'not-amqp', firstByte: chunk[at]! };
      }
      if (this.#partialLength === 0 && length - at >= HEADER_BYTES) {
        const violation = this.#header(chunk, at);
        if (violation) return violation;
        at += HEADER_BYTES;
        continue;
      }
      const take = Math.min(HEADER_BYTES - this.#partialLength, length - at);
      this.#partial.set(chunk.subarray(at, at + take), this.#partialLength);
      this.#partialLength += take;
      at += take;
      if (this.#partialLength === HEADER_BYTES) {
        this.#partialLength = 0;
        const violation = this.#header(this.#partial, 0);
        if (violation) return violation;
      }
    }
    return undefined;
  }

  #header(bytes: Uint8Array, at: number): ScanViolation | undefined {
    if (bytes[at] === A && bytes[at + 1] === M && bytes[at + 2] === Q && bytes[at + 3] === P) {
      const [protocolId, major, minor, revision] = [bytes[at + 4]!, bytes[at + 5]!, bytes[at + 6]!, bytes[at + 7]!];
      if (major !== 1 || minor !== 0 || revision !== 0) {
        return { kind: 'version', protocolId, version: `${major}.${minor}.${revision}` };
      }
      this.#greeted = true;
      this.framesCompleted++;
      return undefined;
    }
    if (!this.#greeted) return { kind: 'not-amqp', firstByte: bytes[at]! };
    const size = ((bytes[at]! << 24) >>> 0) + (bytes[at + 1]! << 16) + (bytes[at + 2]! << 8) + bytes[at + 3]!;
    if (size > this.#limit) return { kind: 'too-large', size };
    if (size < HEADER_BYTES) return { kind: 'malformed', size };
    this.#remaining = size - HEADER_BYTES;
    // An empty frame (§2.4.5: the heartbeat) is whole with its header.
    if (this.#remaining === 0) this.framesCompleted++;
    return undefined;
  }
}
