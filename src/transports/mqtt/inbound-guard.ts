/**
 * The one gate every byte from the broker passes on its way to mqtt.js, whatever the medium (TCP, TLS,
 * WebSocket; see ./socket.node.ts and ./socket.ts). It
 * - scans MQTT fixed headers (./packet-scanner.ts): a packet over the size cap, or a peer that does not
 *   speak MQTT, fails the connection before mqtt.js buffers anything;
 * - records when the broker was last heard from, for the keep-alive watchdog (./keep-alive.ts);
 * - keeps the reason it failed the connection, so that the connection reports that reason rather than
 *   the bare "connection closed" that mqtt.js sees next.
 */
import type { UnifiedMqError } from '../../core/errors.js';
import { PacketScanner } from './packet-scanner.js';

export class InboundGuard {
  /** Date.now() when bytes last arrived. */
  lastHeardAt = Date.now();
  /** Whether the broker has sent anything at all (a peer that closes before a byte refused the connection). */
  heard = false;
  readonly #scanner: PacketScanner;
  #failure: UnifiedMqError | undefined;
  #socketError: unknown;
  #discard: (() => void) | undefined;

  constructor(maxPacketBytes: number, where: string) {
    this.#scanner = new PacketScanner(maxPacketBytes, where);
  }

  /** Why the guard failed the connection, if it did. */
  get failure(): UnifiedMqError | undefined {
    return this.#failure;
  }

  /** The first error the platform socket reported (mqtt.js passes on only those with a `code`). */
  get socketError(): unknown {
    return this.#socketError;
  }

  noteSocketError(error: unknown): void {
    this.#socketError ??= error;
  }

  /** The platform socket registers how to drop itself (no closing handshake) when the guard fails it. */
  onDiscard(discard: () => void): void {
    this.#discard = discard;
  }

  /**
   * Hands `chunk` to `pass` when it breaks no rule. When it does, hands on only the whole packets before
   * the offending one (mqtt.js delivers them as usual), then fails the connection.
   */
  admit(chunk: Uint8Array, pass: (bytes: Uint8Array) => void): void {
    if (this.#failure) return;
    this.lastHeardAt = Date.now();
    this.heard = true;
    const violation = this.#scanner.scan(chunk);
    if (!violation) {
      pass(chunk);
      return;
    }
    const safe = this.#scanner.safeLength;
    if (safe > 0) pass(chunk.subarray(0, safe));
    this.fail(violation);
  }

  /** Fails the connection with `error` (the first reason wins) and drops the socket. */
  fail(error: UnifiedMqError): void {
    if (this.#failure) return;
    this.#failure = error;
    this.#discard?.();
  }
}
