/**
 * A byte-level scanner that sees every inbound byte before stompjs's parser does. It has two jobs that
 * stompjs cannot do:
 *
 * 1. A frame-size cap. stompjs's parser appends body bytes to a JS array until a declared
 *    `content-length` is reached, so a frame declaring 1 GiB grows the heap without bound
 *    (PROTOCOL-NOTES "Oversized frames"). The scanner rejects a frame as soon as its declared length, its
 *    NUL-terminated body passes `maxFrameBytes`, or its header block passes MAX_HEADER_BLOCK_BYTES. A frame
 *    whose command no server sends ends the connection too: the peer is not speaking STOMP.
 * 2. Faithful MESSAGE headers. stompjs trims header values and undoes STOMP 1.2 escapes in the wrong order
 *    (`\\n` in a value, i.e. a backslash then `n`, comes back as a backslash and a line feed), so it cannot
 *    return every value that was sent. The scanner decodes the header block of each MESSAGE frame itself
 *    (STOMP 1.2 §Value Encoding; 1.1 has no `\r`) and queues the result; the connection takes one entry per
 *    MESSAGE that stompjs delivers, in the same order.
 *
 * Frame boundaries follow stompjs's parser exactly (EOLs and NULs between frames are heart-beats or
 * padding; the first `content-length` header, read with parseInt, fixes the body length), so both always
 * agree on where a frame ends. Body bytes are skipped by arithmetic or `indexOf(0)`, never one by one.
 */
import { ConnectionError, PayloadTooLargeError, type UnifiedMqError } from '../../core/errors.js';

export type FrameHeaders = Record<string, string>;

/** One MESSAGE frame's headers, as sent, and its `message-id` as stompjs will report it (to pair the two). */
export interface ScannedMessage {
  readonly headers: FrameHeaders;
  readonly libraryMessageId: string | undefined;
}

const LF = 10;
const CR = 13;
const NUL = 0;

/**
 * The cap on one received header block (command line and headers), whatever maxFrameBytes is. stompjs
 * turns header bytes into strings and arrays at about 9 × their size before it sees the end of the block,
 * so a peer whose header block never ends would cost megabytes per connection under the frame cap. Brokers
 * read kilobytes: ActiveMQ refuses a header line over 10 KiB (StompWireFormat MAX_HEADER_LENGTH).
 */
export const MAX_HEADER_BLOCK_BYTES = 64 * 1024;

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
  /** MESSAGE frames whose headers were scanned, oldest first, until the connection takes them. */
  readonly messages: ScannedMessage[] = [];

  get safeLength(): number {
    return this.#frameStart;
  }

  /** Whole frames and heart-beat EOLs scanned so far (signs of life, see core/liveness.ts). */
  framesCompleted = 0;

  readonly #maxFrameBytes: number;
  #state: State = 'between';
  #head: Uint8Array[] = [];
  #headBytes = 0;
  /** In Head: the last byte that was not a CR was a LF, so a further LF ends the header block. */
  #afterLineFeed = false;
  #bodyRemaining = 0;
  /** Where the frame being scanned starts in the current chunk (0 when it began in an earlier one). */
  #frameStart = 0;

  readonly #maxHeadBytes: number;

  constructor(maxFrameBytes: number) {
    this.#maxFrameBytes = maxFrameBytes;
    this.#maxHeadBytes = Math.min(maxFrameBytes, MAX_HEADER_BLOCK_BYTES);
  }

  /**
   * Scans one chunk. Returns the error to close the connection with, or undefined when all is well. After
   * an error, `safeLength` is how many bytes of the chunk precede the offending frame (they hold complete
   * frames, or the end of one, that may still be delivered).
   */
  scan(chunk: Uint8Array): UnifiedMqError | undefined {
    const length = chunk.length;
    let i = 0;
    this.#frameStart = 0;
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
          // The header block ends at an empty line: LF, any CRs, LF. Jump from LF to LF with indexOf.
          const start = i;
          let end = -1;
          let j = i;
          if (this.#afterLineFeed) {
            while (j < length && chunk[j] === CR) j++;
            if (j < length) {
              if (chunk[j] === LF) end = j;
              else this.#afterLineFeed = false;
            }
          }
          while (end < 0 && j < length) {
            const lineFeed = chunk.indexOf(LF, j);
            if (lineFeed < 0) {
              this.#afterLineFeed = false;
              break;
            }
            let k = lineFeed + 1;
            while (k < length && chunk[k] === CR) k++;
            if (k === length) {
              this.#afterLineFeed = true;
              break;
            }
            if (chunk[k] === LF) end = k;
            else j = k;
          }
          const piece = chunk.subarray(start, end < 0 ? length : end);
          this.#headBytes += piece.length;
          if (this.#headBytes > this.#maxHeadBytes) {
            return new PayloadTooLargeError(this.#headBytes, this.#maxHeadBytes, 'A received STOMP header block (at most 64 KiB, or maxFrameBytes if smaller)');
          }
          this.#head.push(piece);
          if (end < 0) return undefined;
          i = end + 1;
          const error = this.#endOfHead();
          if (error) return error;
          break;
        }
        case 'fixed-body': {
          const take = Math.min(this.#bodyRemaining, length - i);
          this.#bodyRemaining -= take;
          i += take;
          if (this.#bodyRemaining === 0) {
            this.#state = 'between';
            this.framesCompleted++;
          }
          break;
        }
        case 'nul-body': {
          const nul = chunk.indexOf(NUL, i);
          if (nul < 0) {
            this.#bodyRemaining += length - i;
            if (this.#bodyRemaining > this.#maxFrameBytes) {
              return new PayloadTooLargeError(this.#bodyRemaining, this.#maxFrameBytes, 'A received STOMP frame body (maxFrameBytes)');
            }
            return undefined;
          }
          i = nul + 1;
          this.#state = 'between';
          this.framesCompleted++;
          break;
        }
      }
    }
    return undefined;
  }

  /** The header block is complete: read the command and content-length; decode MESSAGE headers. */
  #endOfHead(): UnifiedMqError | undefined {
    const bytes = this.#head.length === 1 ? this.#head[0]! : concat(this.#head, this.#headBytes);
    this.#head = [];
    this.#headBytes = 0;
    // UTF-8 never encodes a character with bytes below 0x80, so splitting the decoded text on LF and ':'
    // is the same as splitting the bytes.
    const lines = decoder.decode(bytes).split('\n');
    const command = stripCr(lines[0]!);
    if (!SERVER_COMMANDS.has(command)) {
      const shown = JSON.stringify(command.length > 40 ? `${command.slice(0, 40)}…` : command);
      return new ConnectionError(`The broker sent a frame with the command ${shown}, which no STOMP server sends: is this a STOMP port?`);
    }
    // stompjs reads the first `content-length` as given on the wire (not unescaped, parseInt), and so do we.
    let contentLength: string | undefined;
    let rawMessageId: string | undefined;
    const isMessage = command === 'MESSAGE';
    const headers: FrameHeaders | undefined = isMessage ? {} : undefined;
    const unescape = command === 'CONNECT' || command === 'CONNECTED' ? 0 : this.version === '1.2' ? 2 : this.version === '1.1' ? 1 : 0;
    for (let n = 1; n < lines.length; n++) {
      const line = stripCr(lines[n]!);
      if (line === '') continue;
      const colon = line.indexOf(':');
      if (colon < 0) continue;
      const rawKey = line.slice(0, colon);
      const rawValue = line.slice(colon + 1);
      if (contentLength === undefined && rawKey === 'content-length') contentLength = rawValue;
      if (command === 'CONNECTED' && rawKey === 'version') this.version = rawValue.trim();
      if (headers) {
        if (rawMessageId === undefined && rawKey === 'message-id') rawMessageId = rawValue;
        const key = unescape ? decodeValue(rawKey, unescape === 2) : rawKey;
        // STOMP 1.2 §Repeated Header Entries: the first occurrence wins.
        if (Object.prototype.hasOwnProperty.call(headers, key)) continue;
        const value = unescape ? decodeValue(rawValue, unescape === 2) : rawValue;
        if (key === '__proto__') Object.defineProperty(headers, key, { value, enumerable: true, writable: true, configurable: true });
        else headers[key] = value;
      }
    }
    if (headers) {
      this.messages.push({ headers, libraryMessageId: rawMessageId === undefined ? undefined : libraryView(rawMessageId, unescape === 2) });
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
    if (declared > this.#maxFrameBytes) {
      return new PayloadTooLargeError(declared, this.#maxFrameBytes, `A received STOMP ${command} frame's declared content-length (maxFrameBytes)`);
    }
    this.#state = 'fixed-body';
    this.#bodyRemaining = declared + 1; // the body, then its NUL
    return undefined;
  }
}

const EDGE_SPACE = /^\s|\s$/;

/**
 * A value the way stompjs's FrameImpl.fromRawFrame reports it (trimmed, then its replace chain), so
 * that the connection can check it pairs each scanned MESSAGE with the frame stompjs delivers.
 */
function libraryView(raw: string, escaped: boolean): string {
  if (raw.indexOf('\\') < 0 && !EDGE_SPACE.test(raw)) return raw;
  const value = raw.replace(/^\s+|\s+$/g, '');
  if (!escaped) return value;
  return value.replace(/\\r/g, '\r').replace(/\\n/g, '\n').replace(/\\c/g, ':').replace(/\\\\/g, '\\');
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
