/**
 * The STOMP inbound parser: every byte from the broker is read here once, and only here for the frames
 * that matter for throughput.
 *
 * - MESSAGE frames, and RECEIPTs this SDK asked for, are cut here and handed to the connection whole
 *   (headers decoded, body as a view of the received bytes, or one copy when it spans reads). stompjs
 *   never sees them: its parser appends every body byte to a JS array (PROTOCOL-NOTES "Performance
 *   facts": about 120 frames/s at 64 KiB), and it trims header values and undoes STOMP 1.2 escapes in the
 *   wrong order (`\\n`, a backslash then `n`, would come back as a backslash and a line feed).
 * - Every other frame (CONNECTED, ERROR, the RECEIPT of stompjs's own DISCONNECT) is passed on to stompjs
 *   byte for byte, in order, so that stompjs keeps doing what it is good at: the handshake, heart-beats,
 *   ERROR handling and the graceful disconnect. A frame is passed on once its header block is complete
 *   (its command is known then); its body streams through.
 * - Caps: a frame's declared `content-length` or NUL-terminated body may not pass `maxFrameBytes`, and a
 *   header block may not pass `maxHeaderBytes` (a few KiB is what brokers allow themselves: ActiveMQ
 *   10 KiB a header, RabbitMQ 4 KiB a frame's headers by default). A frame over a cap is refused before
 *   it is buffered, and the connection is closed.
 * - A frame passed on to stompjs has a body cap of its own, PASSED_ON_MAX_BODY_BYTES: stompjs keeps each
 *   body byte as an element of a JS array until the NUL, about 20 bytes of memory per byte received (a
 *   hostile server's 16 MiB ERROR body cost 372 MiB). Such frames carry a short text (an ERROR's
 *   description; ActiveMQ's includes a Java stack trace of a few KiB), never a payload.
 *
 * Frame boundaries follow STOMP 1.2 §Augmented BNF the way stompjs reads them: EOLs and NULs between
 * frames are heart-beats or padding; the first `content-length` header, read with parseInt, fixes the body
 * length; without one the body ends at the first NUL. Body bytes are skipped by arithmetic or
 * `indexOf(0)`, never one by one.
 */
import { ConnectionError, PayloadTooLargeError, type UnifiedMqError } from '../../core/errors.js';
import { setHeader } from '../../core/headers.js';

export type FrameHeaders = Record<string, string>;

/** A frame this SDK handles itself. */
export interface ScannedFrame {
  readonly command: string;
  /** Decoded (STOMP 1.2 §Value Encoding), the first of repeated entries kept. */
  readonly headers: FrameHeaders;
  readonly body: Uint8Array;
}

export interface FrameSink {
  /** Whether the connection handles this frame itself (it is then not passed on to stompjs). */
  claims(command: string, headers: FrameHeaders): boolean;
  /** A claimed frame, complete. */
  frame(frame: ScannedFrame): void;
  /** Bytes for stompjs: the frames not claimed, in order, and heart-beats. */
  passOn(bytes: Uint8Array): void;
}

export interface ScannerLimits {
  readonly maxFrameBytes: number;
  readonly maxHeaderBytes: number;
}

const LF = 10;
const CR = 13;
const NUL = 0;
/** Given to stompjs for a read that held no frame for it: a heart-beat, so that it knows the broker is alive. */
const HEARTBEAT = new Uint8Array([LF]);
const EMPTY = new Uint8Array(0);
/** The largest body of a frame read by stompjs (CONNECTED, ERROR, …): see the file comment. */
export const PASSED_ON_MAX_BODY_BYTES = 256 * 1024;

/** What a server may send (STOMP 1.2 §Server Frames). Anything else means the peer is not a STOMP server. */
const SERVER_COMMANDS = new Set(['CONNECTED', 'MESSAGE', 'RECEIPT', 'ERROR']);

/**
 * `between` frames (EOL heart-beats and stray NULs are skipped), in the `head` (command line and headers,
 * up to the empty line), in a `fixed-body` of known length (plus its NUL), or in a `nul-body` that ends at
 * the first NUL.
 */
type State = 'between' | 'head' | 'fixed-body' | 'nul-body';

const decoder = new TextDecoder();

export class FrameScanner {
  /** The negotiated STOMP version, read from the CONNECTED frame; it decides how values are escaped. */
  version = '1.0';

  readonly #limits: ScannerLimits;
  readonly #sink: FrameSink;
  #state: State = 'between';
  #head: Uint8Array[] = [];
  #headBytes = 0;
  /** In Head: the last byte that was not a CR was a LF, so a further LF ends the header block. */
  #afterLineFeed = false;
  #bodyRemaining = 0;
  /** The current frame's body cap: maxFrameBytes, or less for a frame passed on to stompjs. */
  #bodyLimit = 0;
  /** The frame being read: claimed (collected here) or passed on to stompjs. */
  #claimed = false;
  #command = '';
  #headers: FrameHeaders = {};
  /** A claimed body spanning reads: the parts so far (NUL-terminated), or the buffer being filled. */
  #bodyParts: Uint8Array[] = [];
  #bodyBuffer: Uint8Array | undefined;
  #bodyFilled = 0;
  /** In the current chunk: where the current frame starts (0 when it began in an earlier chunk). */
  #frameStart = 0;
  /** In the current chunk: where the bytes not yet passed on to stompjs start, or -1. */
  #passFrom = -1;
  #passedOn = false;
  /** Whole frames and heart-beat EOLs scanned so far (signs of life, see core/liveness.ts). */
  framesCompleted = 0;

  constructor(limits: ScannerLimits, sink: FrameSink) {
    this.#limits = limits;
    this.#sink = sink;
  }

  /**
   * Scans one chunk: claimed frames go to the sink as they complete, the rest is passed on. Returns the
   * error to close the connection with, or undefined; after an error, the frames before the offending
   * one have been delivered or passed on, and nothing of it.
   */
  scan(chunk: Uint8Array): UnifiedMqError | undefined {
    const length = chunk.length;
    this.#frameStart = 0;
    this.#passedOn = false;
    // A frame passed on to stompjs continues from the previous chunk.
    this.#passFrom = this.#state !== 'between' && this.#state !== 'head' && !this.#claimed ? 0 : -1;
    let i = 0;
    while (i < length) {
      switch (this.#state) {
        case 'between': {
          const byte = chunk[i]!;
          if (byte === LF || byte === CR || byte === NUL) {
            if (byte === LF) this.framesCompleted++; // a heart-beat
            i++;
            break;
          }
          this.#state = 'head';
          this.#afterLineFeed = false;
          this.#frameStart = i;
          break;
        }
        case 'head': {
          const end = this.#headEnd(chunk, i);
          const piece = chunk.subarray(i, end < 0 ? length : end);
          this.#headBytes += piece.length;
          if (this.#headBytes > this.#limits.maxHeaderBytes) {
            return this.#fail(chunk, new PayloadTooLargeError(this.#headBytes, this.#limits.maxHeaderBytes, 'A received STOMP header block (maxHeaderBytes)'));
          }
          this.#head.push(piece);
          if (end < 0) {
            i = length;
            break;
          }
          i = end + 1;
          const error = this.#endOfHead(chunk);
          if (error) return this.#fail(chunk, error);
          break;
        }
        case 'fixed-body': {
          const take = Math.min(this.#bodyRemaining, length - i);
          if (this.#claimed) this.#collectFixed(chunk, i, take);
          this.#bodyRemaining -= take;
          i += take;
          if (this.#bodyRemaining === 0) this.#complete(chunk, i - take, i - 1);
          break;
        }
        case 'nul-body': {
          const nul = chunk.indexOf(NUL, i);
          if (nul < 0) {
            this.#bodyRemaining += length - i;
            if (this.#bodyRemaining > this.#bodyLimit) {
              return this.#fail(chunk, new PayloadTooLargeError(this.#bodyRemaining, this.#bodyLimit, this.#overCap('body')));
            }
            if (this.#claimed) this.#bodyParts.push(chunk.subarray(i));
            i = length;
            break;
          }
          this.#complete(chunk, i, nul);
          i = nul + 1;
          break;
        }
      }
    }
    // A header block still open here may belong to a frame for stompjs: it is passed on once complete.
    this.#flush(chunk, this.#state === 'head' ? this.#frameStart : length);
    if (!this.#passedOn) this.#sink.passOn(HEARTBEAT);
    return undefined;
  }

  /** The index of the LF that ends the header block (an empty line: LF, any CRs, LF), or -1. */
  #headEnd(chunk: Uint8Array, from: number): number {
    const length = chunk.length;
    let j = from;
    if (this.#afterLineFeed) {
      while (j < length && chunk[j] === CR) j++;
      if (j < length) {
        if (chunk[j] === LF) return j;
        this.#afterLineFeed = false;
      }
    }
    while (j < length) {
      const lineFeed = chunk.indexOf(LF, j);
      if (lineFeed < 0) {
        this.#afterLineFeed = false;
        return -1;
      }
      let k = lineFeed + 1;
      while (k < length && chunk[k] === CR) k++;
      if (k === length) {
        this.#afterLineFeed = true;
        return -1;
      }
      if (chunk[k] === LF) return k;
      j = k;
    }
    return -1;
  }

  /** The header block is complete: decode it, decide who reads the frame, and how its body ends. */
  #endOfHead(chunk: Uint8Array): UnifiedMqError | undefined {
    const pieces = this.#head;
    const bytes = pieces.length === 1 ? pieces[0]! : concat(pieces, this.#headBytes);
    this.#head = [];
    this.#headBytes = 0;
    const { command, headers, contentLength } = this.#decodeHead(bytes);
    if (!SERVER_COMMANDS.has(command)) {
      const shown = JSON.stringify(command.length > 40 ? `${command.slice(0, 40)}…` : command);
      return new ConnectionError(`The broker sent a frame with the command ${shown}, which no STOMP server sends: is this a STOMP port?`);
    }
    if (command === 'CONNECTED' && headers.version !== undefined) this.version = headers.version.trim();
    this.#claimed = this.#sink.claims(command, headers);
    this.#command = command;
    this.#bodyLimit = this.#claimed ? this.#limits.maxFrameBytes : Math.min(this.#limits.maxFrameBytes, PASSED_ON_MAX_BODY_BYTES);
    if (this.#claimed) {
      this.#headers = headers;
      // Whatever was waiting for stompjs in this chunk comes before this frame.
      this.#flush(chunk, this.#frameStart);
    } else if (pieces.length > 1 || this.#frameStart === 0) {
      // The frame began in an earlier chunk: pass on its head from there, then this chunk from its start.
      for (let n = 0; n < pieces.length - 1; n++) this.#passOn(pieces[n]!);
      if (this.#passFrom < 0) this.#passFrom = 0;
    } else if (this.#passFrom < 0) {
      this.#passFrom = this.#frameStart;
    }
    if (contentLength === undefined) {
      this.#state = 'nul-body';
      this.#bodyRemaining = 0;
      return undefined;
    }
    const declared = parseInt(contentLength, 10);
    if (!(declared >= 0)) {
      // stompjs would wait for a body that never ends: the connection is unusable.
      return new ConnectionError(`The broker sent a ${command} frame with an invalid content-length ${JSON.stringify(contentLength)}`);
    }
    if (declared > this.#bodyLimit) {
      return new PayloadTooLargeError(declared, this.#bodyLimit, this.#overCap('declared content-length'));
    }
    this.#state = 'fixed-body';
    this.#bodyRemaining = declared + 1; // the body, then its NUL
    this.#bodyBuffer = undefined;
    this.#bodyFilled = 0;
    return undefined;
  }

  /** What PayloadTooLargeError names: `what` of the current frame, and which cap it broke. */
  #overCap(what: 'body' | 'declared content-length'): string {
    const cap = this.#claimed || this.#bodyLimit === this.#limits.maxFrameBytes ? 'maxFrameBytes' : `the cap of frames read by @stomp/stompjs`;
    return `A received STOMP ${this.#command} frame's ${what} (${cap})`;
  }

  #decodeHead(bytes: Uint8Array): { command: string; headers: FrameHeaders; contentLength: string | undefined } {
    // UTF-8 never encodes a character with bytes below 0x80, so splitting the decoded text on LF and ':'
    // is the same as splitting the bytes.
    const lines = decoder.decode(bytes).split('\n');
    const command = stripCr(lines[0]!);
    // STOMP 1.2 §Value Encoding: CONNECT and CONNECTED are never escaped; 1.1 has no `\r` escape.
    const unescape = command === 'CONNECT' || command === 'CONNECTED' ? 0 : this.version === '1.2' ? 2 : this.version === '1.1' ? 1 : 0;
    const headers: FrameHeaders = {};
    // stompjs reads the first `content-length` as given on the wire (not unescaped, parseInt), and so do we.
    let contentLength: string | undefined;
    for (let n = 1; n < lines.length; n++) {
      const line = stripCr(lines[n]!);
      const colon = line.indexOf(':');
      if (colon < 0) continue;
      const rawKey = line.slice(0, colon);
      const rawValue = line.slice(colon + 1);
      if (contentLength === undefined && rawKey === 'content-length') contentLength = rawValue;
      const key = unescape ? decodeValue(rawKey, unescape === 2) : rawKey;
      // STOMP 1.2 §Repeated Header Entries: the first occurrence wins.
      if (Object.prototype.hasOwnProperty.call(headers, key)) continue;
      const value = unescape ? decodeValue(rawValue, unescape === 2) : rawValue;
      setHeader(headers, key, value);
    }
    return { command, headers, contentLength };
  }

  #collectFixed(chunk: Uint8Array, from: number, take: number): void {
    const bodyBytes = Math.min(take, this.#bodyRemaining - 1); // without the trailing NUL
    if (bodyBytes <= 0) return;
    if (this.#bodyBuffer === undefined) {
      // A body inside one read stays a view of it; one that spans reads is copied once into its own buffer.
      if (take === this.#bodyRemaining) return;
      this.#bodyBuffer = new Uint8Array(this.#bodyRemaining - 1);
    }
    this.#bodyBuffer.set(chunk.subarray(from, from + bodyBytes), this.#bodyFilled);
    this.#bodyFilled += bodyBytes;
  }

  /** The current frame ends in this chunk: its body (if claimed and held here) is [bodyFrom, bodyEnd). */
  #complete(chunk: Uint8Array, bodyFrom: number, bodyEnd: number): void {
    this.#state = 'between';
    this.framesCompleted++;
    if (!this.#claimed) return;
    this.#claimed = false;
    let body: Uint8Array;
    if (this.#bodyBuffer !== undefined) {
      body = this.#bodyBuffer;
      this.#bodyBuffer = undefined;
    } else if (this.#bodyParts.length > 0) {
      this.#bodyParts.push(chunk.subarray(bodyFrom, bodyEnd));
      body = concat(this.#bodyParts, this.#bodyParts.reduce((n, part) => n + part.length, 0));
      this.#bodyParts = [];
    } else {
      body = bodyEnd > bodyFrom ? chunk.subarray(bodyFrom, bodyEnd) : EMPTY;
    }
    const headers = this.#headers;
    this.#headers = {};
    this.#sink.frame({ command: this.#command, headers, body });
  }

  /** Passes on what waits for stompjs in this chunk, up to `end`. */
  #flush(chunk: Uint8Array, end: number): void {
    if (this.#passFrom < 0) return;
    if (end > this.#passFrom) this.#passOn(chunk.subarray(this.#passFrom, end));
    this.#passFrom = -1;
  }

  #passOn(bytes: Uint8Array): void {
    this.#passedOn = true;
    this.#sink.passOn(bytes);
  }

  #fail(chunk: Uint8Array, error: UnifiedMqError): UnifiedMqError {
    this.#flush(chunk, this.#frameStart);
    return error;
  }
}

function stripCr(line: string): string {
  return line.length > 0 && line.charCodeAt(line.length - 1) === CR ? line.slice(0, -1) : line;
}

/** STOMP 1.2 §Value Encoding (1.1: without `\r`). An undefined escape is kept as it came. */
export function decodeValue(raw: string, withCarriageReturn: boolean): string {
  if (raw.indexOf('\\') < 0) return raw;
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c !== '\\' || i + 1 === raw.length) {
      out += c;
      continue;
    }
    const next = raw[++i]!;
    if (next === 'n') out += '\n';
    else if (next === 'c') out += ':';
    else if (next === '\\') out += '\\';
    else if (next === 'r' && withCarriageReturn) out += '\r';
    else out += c + next;
  }
  return out;
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
