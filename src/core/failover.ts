/**
 * The endpoint walk. One pass tries every endpoint once, starting after the one just lost (a hung
 * broker would otherwise cost a whole connect time-out first). Between passes the client waits with
 * capped exponential backoff from p-retry, lengthened by a random jitter so that a fleet of clients
 * does not reconnect in lock-step. The first pass after a loss starts at once.
 */
import pRetry, { AbortError } from 'p-retry';
import { AuthenticationError, ConnectionError, type EndpointFailure } from './errors.js';
import type { Endpoint } from './transport.js';
import type { FailoverOptions } from './types.js';

export interface WalkOptions<T> {
  endpoints: readonly Endpoint[];
  /** Index of the first endpoint to try. */
  startIndex: number;
  maxPasses: number;
  settings: Required<FailoverOptions>;
  signal: AbortSignal;
  open(endpoint: Endpoint): Promise<T>;
  onAttempt(info: { attempt: number; delayMs: number; endpoint: Endpoint }): void;
}

export interface WalkResult<T> {
  value: T;
  index: number;
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export async function walkEndpoints<T>(options: WalkOptions<T>): Promise<WalkResult<T>> {
  const { endpoints, settings, signal } = options;
  const count = endpoints.length;
  let attempt = 0;
  let delayBeforePass = 0;
  const pass = async (): Promise<WalkResult<T>> => {
    const failures: EndpointFailure[] = [];
    for (let i = 0; i < count; i++) {
      const index = (options.startIndex + i) % count;
      const endpoint = endpoints[index]!;
      options.onAttempt({ attempt: ++attempt, delayMs: i === 0 ? delayBeforePass : 0, endpoint });
      try {
        return { value: await options.open(endpoint), index };
      } catch (error) {
        signal.throwIfAborted();
        // Wrong credentials stay wrong: never retried in a loop.
        if (error instanceof AuthenticationError) throw new AbortError(error);
        failures.push({ endpoint: endpoint.display, error: error as Error });
      }
    }
    const reasons = failures.map((f) => `${f.endpoint}: ${f.error.message}`).join('; ');
    throw new ConnectionError(`Could not connect to any of ${count} endpoint(s): ${reasons}`, { failures });
  };
  return pRetry(pass, {
    retries: options.maxPasses - 1,
    minTimeout: settings.initialDelayMs,
    maxTimeout: settings.maxDelayMs,
    factor: settings.multiplier,
    randomize: false,
    signal,
    // p-retry waits min(initial × multiplier^n, max) after this returns; the jitter is added here.
    async onFailedAttempt({ retriesConsumed, retriesLeft }) {
      if (retriesLeft <= 0) return;
      const base = Math.min(settings.initialDelayMs * settings.multiplier ** retriesConsumed, settings.maxDelayMs);
      const extra = Math.round(base * settings.jitter * Math.random());
      delayBeforePass = base + extra;
      if (extra > 0) await abortableSleep(extra, signal);
    },
  });
}
