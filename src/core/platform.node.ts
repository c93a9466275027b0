/**
 * What the client asks of the platform it runs on, with Node's answers (also those of Deno, Bun and other
 * runtimes that are not browsers). The browser build swaps this file for ./platform.ts (tsup.config.ts),
 * so each build carries only its own code and nothing sniffs the platform at run time.
 */
import type { WakeSource } from './failover.js';
import type { TlsOptions } from './types.js';

export interface Platform {
  /** Signals that the network is likely back, so that a reconnecting client tries at once. */
  readonly wake: WakeSource | undefined;
  /** Throws InvalidArgumentError, at connect(), for `tls` options the platform cannot honour. */
  checkTls(tls: TlsOptions | undefined): void;
}

/** Node: no network event worth waiting for; `tls` goes to the transport's sockets. */
export const platform: Platform = {
  wake: undefined,
  checkTls: () => undefined,
};

/**
 * UTF-8 bytes of a string (text and JSON bodies). Node's Buffer takes them from its shared pool: about
 * 0.15 µs for 240 characters, where TextEncoder allocates a fresh ArrayBuffer for 0.9 µs. A plain
 * Uint8Array view of them, so that nobody sees a Buffer where the API says Uint8Array.
 */
export function encodeUtf8(text: string): Uint8Array {
  const bytes = Buffer.from(text, 'utf8');
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
