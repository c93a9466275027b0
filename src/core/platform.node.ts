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
