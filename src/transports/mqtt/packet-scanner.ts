/**
 * Sees every inbound byte before mqtt.js's parser does, and reads only MQTT fixed headers: one type
 * byte and the variable-length "remaining length" (MQTT 3.1.1 §2.2.3, MQTT 5 §2.1.4). Body bytes are
 * skipped by arithmetic, never looked at.
 *
 * Why: mqtt-packet buffers a whole packet before any size check (mqtt.js checks maximumPacketSize only
 * once the packet is complete, and only on MQTT 5), so a broker, or anything posing as one, that
 * declares a 256 MiB PUBLISH makes the client buffer 256 MiB (PROTOCOL-NOTES "Oversized frames"). The
 * scanner fails the connection as soon as a declared length passes the cap.
 *
 * It also checks that the first packet is a CONNACK (§3.2: the server's first packet), so that a
 * listener that is not MQTT (a TLS port spoken to in plain text, an HTTP server) is named as such
 * instead of surfacing as a parser error.
 */
import { ConnectionError, PayloadTooLargeError, type UnifiedMqError } from '../../core/errors.js';

/** CONNACK's first byte: packet type 2, flags 0 (§3.2.1). */
const CONNACK = 0x20;
/** A TLS record's content types (RFC 8446 §5.1): handshake 0x16, alert 0x15. */
const TLS_RECORDS = new Set([0x15, 0x16]);

type State = 'type' | 'length' | 'body';

export class PacketScanner {
  readonly #maxPacketBytes: number;
  readonly #where: string;
  #state: State = 'type';
  #first = true;
  #length = 0;
  #multiplier = 1;
  #lengthBytes = 0;
  #bodyRemaining = 0;
  #safeLength = 0;
  /** Whole packets scanned so far (signs of life, see core/liveness.ts). */
  framesCompleted = 0;

  /** `where` names the peer in errors (the endpoint's display form). */
  constructor(maxPacketBytes: number, where: string) {
    this.#maxPacketBytes = maxPacketBytes;
    this.#where = where;
  }

  /**
   * After scan() returned an error: how many leading bytes of that chunk hold whole packets (or the rest
   * of one begun in an earlier chunk) before the offending one. They are sound and may go on to mqtt.js.
   */
  get safeLength(): number {
    return this.#safeLength;
  }

  /** Scans one chunk. Returns the error to fail the connection with, or undefined when all is well. */
  scan(chunk: Uint8Array): UnifiedMqError | undefined {
    const length = chunk.length;
    let i = 0;
    // Where the packet being read began in this chunk (0 when it began in an earlier one).
    this.#safeLength = 0;
    while (i < length) {
      switch (this.#state) {
        case 'type': {
          this.#safeLength = i;
          const type = chunk[i]!;
          if (this.#first) {
            this.#first = false;
            if (type !== CONNACK) return this.#notMqtt(type);
          }
          this.#state = 'length';
          this.#length = 0;
          this.#multiplier = 1;
          this.#lengthBytes = 0;
          i++;
          break;
        }
        case 'length': {
          const byte = chunk[i++]!;
          this.#length += (byte & 0x7f) * this.#multiplier;
          this.#multiplier *= 128;
          this.#lengthBytes++;
          if (byte & 0x80) {
            // §2.2.3: at most four bytes.
            if (this.#lengthBytes === 4) return new ConnectionError(`${this.#where} sent a malformed MQTT packet (a remaining length of more than 4 bytes)`);
            break;
          }
          const total = 1 + this.#lengthBytes + this.#length;
          if (total > this.#maxPacketBytes) {
            return new PayloadTooLargeError(total, this.#maxPacketBytes, `An MQTT packet from ${this.#where} (limit: mqtt({ maxFrameBytes }))`);
          }
          this.#bodyRemaining = this.#length;
          this.#state = this.#length === 0 ? 'type' : 'body';
          if (this.#length === 0) this.framesCompleted++;
          break;
        }
        case 'body': {
          const take = Math.min(this.#bodyRemaining, length - i);
          this.#bodyRemaining -= take;
          i += take;
          if (this.#bodyRemaining === 0) {
            this.#state = 'type';
            this.framesCompleted++;
          }
          break;
        }
      }
    }
    return undefined;
  }

  #notMqtt(firstByte: number): UnifiedMqError {
    const hint = TLS_RECORDS.has(firstByte)
      ? 'it answered with a TLS record: this is a TLS port, use mqtts:// (or wss://)'
      : firstByte === 0x48 /* 'H' of HTTP/1.1 */
        ? 'it answered with HTTP: this is a web port; use ws:// with the WebSocket path, or the MQTT port'
        : `it answered with byte 0x${firstByte.toString(16).padStart(2, '0')} instead of a CONNACK: is this an MQTT port?`;
    return new ConnectionError(`${this.#where} does not speak MQTT here: ${hint}`);
  }
}
