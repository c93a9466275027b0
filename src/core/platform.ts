/**
 * The browser sibling of ./platform.node.ts (the browser build swaps one for the other).
 * - Wake: when the page comes back online (the `online` event, on windows and workers alike), a
 *   reconnecting client tries its endpoints at once instead of waiting out a backoff that grew while the
 *   network was away.
 * - TLS: a page cannot choose its trust or present a client certificate; the browser does, from its own
 *   certificate store. `tls` options are refused rather than silently ignored.
 */
import { InvalidArgumentError } from './errors.js';
import type { Platform } from './platform.node.js';

type EventSource = Partial<Pick<EventTarget, 'addEventListener' | 'removeEventListener'>>;

export function browserPlatform(global: EventSource): Platform {
  const { addEventListener, removeEventListener } = global;
  return {
    wake:
      typeof addEventListener === 'function' && typeof removeEventListener === 'function'
        ? (wake) => {
            const onOnline = () => wake();
            addEventListener.call(global, 'online', onOnline);
            return () => removeEventListener.call(global, 'online', onOnline);
          }
        : undefined,
    checkTls(tls) {
      if (tls === undefined) return;
      throw InvalidArgumentError.format(
        'tls',
        "is not available in a browser: browsers have no TLS options; trust comes from the browser's certificate store. " +
          'Remove `tls`; to trust a private CA, install it in the browser or the operating system, and use wss:// endpoints',
      );
    },
  };
}

export const platform: Platform = browserPlatform(globalThis as EventSource);

const encoder = new TextEncoder();

/** UTF-8 bytes of a string (see ./platform.node.ts). */
export function encodeUtf8(text: string): Uint8Array {
  return encoder.encode(text);
}
