/**
 * The endpoint walk. One pass tries every endpoint once, starting after the one just lost (a hung
 * broker would otherwise cost a whole connect time-out first). The first pass after a loss starts at once.
 *
 * Between passes the wait depends on what the pass cost. A pass whose every endpoint refused (the TCP
 * connect was refused, or the peer closed or reset it before sending a byte: a standby's closed ports) cost
 * nothing on either side, so the next pass comes after `initialDelayMs`: a standby that takes over is
 * found within that interval. Only passes where something timed out or failed its handshake back off:
 * capped exponential, counted over those passes alone. Every wait gets a random jitter so that a fleet
 * of clients does not reconnect in lock-step. p-retry counts the passes and stops the walk.
 *
 * A wake (the platform's sign that the network is back, e.g. a browser's `online` event) cuts the wait
 * short: the next pass starts at once, with the backoff started afresh, instead of after a delay that
 * grew while the network was away. A pass under way when the wake comes is let finish; if it fails, the
 * next one starts at once.
 */
import pRetry, { AbortError } from 'p-retry';
import { AuthenticationError, ConnectionError, isRefusal, type EndpointFailure } from './errors.js';
import type { Endpoint } from './transport.js';
import type { FailoverOptions } from './types.js';

/** Calls `wake` whenever the network is likely back; returns what stops that. */
export type WakeSource = (wake: () => void) => () => void;

export interface WalkOptions<T> {
  endpoints: readonly Endpoint[];
  /** Index of the first endpoint to try. */
  startIndex: number;
  maxPasses: number;
  settings: Required<FailoverOptions>;
  signal: AbortSignal;
  open(endpoint: Endpoint): Promise<T>;
  onAttempt(info: { attempt: number; delayMs: number; endpoint: Endpoint }): void;
  /** The platform's wake source (browsers: the `online` event); none in Node. */
  wake?: WakeSource | undefined;
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

/** Thrown into p-retry's wait when a wake cuts it short. */
class Woken extends Error {}

export async function walkEndpoints<T>(options: WalkOptions<T>): Promise<WalkResult<T>> {
  const { endpoints, settings, signal } = options;
  const count = endpoints.length;
  let attempt = 0;
  let passes = 0;
  let delayBeforePass = 0;
  let inPass = false;
  let wokenInPass = false;
  let nap = new AbortController();
  const stopWaking = options.wake?.(() => {
    if (inPass) wokenInPass = true;
    else nap.abort(new Woken());
  });
  const pass = async (): Promise<WalkResult<T>> => {
    passes++;
    inPass = true;
    wokenInPass = false;
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
    // Only from here may a wake cut the wait short: never while an endpoint is opening, nor once one is open.
    inPass = false;
    const reasons = failures.map((f) => `${f.endpoint}: ${f.error.message}`).join('; ');
    throw new ConnectionError(`Could not connect to any of ${count} endpoint(s): ${reasons}`, { failures });
  };
  let costlyPasses = 0;
  try {
    for (;;) {
      try {
        return await pRetry(pass, {
          retries: options.maxPasses - passes - 1,
          // The waits are made in onFailedAttempt, which knows what the pass cost.
          minTimeout: 0,
          maxTimeout: 0,
          randomize: false,
          signal: AbortSignal.any([signal, nap.signal]),
          async onFailedAttempt({ error, retriesLeft }) {
            if (retriesLeft <= 0) return;
            // The network came back while this pass was failing: try again now, not after the wait.
            if (wokenInPass) return nap.abort(new Woken());
            const failures = (error as ConnectionError).failures ?? [];
            const refusedOnly = failures.length > 0 && failures.every((failure) => isRefusal(failure.error));
            const base = refusedOnly
              ? settings.initialDelayMs
              : Math.min(settings.initialDelayMs * settings.multiplier ** costlyPasses++, settings.maxDelayMs);
            delayBeforePass = base + Math.round(base * settings.jitter * Math.random());
            if (delayBeforePass > 0) await abortableSleep(delayBeforePass, AbortSignal.any([signal, nap.signal]));
          },
        });
      } catch (error) {
        if (!(nap.signal.reason instanceof Woken) || signal.aborted) throw error;
        // Woken: walk again at once, with the passes already made still counted against maxPasses.
        nap = new AbortController();
        delayBeforePass = 0;
        costlyPasses = 0;
      }
    }
  } finally {
    stopWaking?.();
  }
}
