/**
 * The silence watchdog every transport uses: the broker is dead once nothing was heard from it for
 * `deadAfterMs`, checked every `checkEveryMs`, so a silent broker is caught between deadAfterMs and
 * deadAfterMs + checkEveryMs after its last sign of life. Optionally it asks for a sign of life once per
 * silence (`ping`), after `ping.afterMs` without one. Each transport derives the numbers from its
 * protocol's keep-alive rules (MQTT keep-alive, STOMP heart-beats, AMQP idle time-out); the mechanism is here.
 *
 * The timer is unref'd: the socket keeps a Node process alive while a connection is open, the watchdog need not.
 */
export interface SilenceWatchdogOptions {
  deadAfterMs: number;
  checkEveryMs: number;
  /** When the broker was last heard from, in Date.now() units. */
  lastHeardAt: () => number;
  onDead: (silentMs: number) => void;
  /** Asks the broker for a sign of life, once per silence of `afterMs` or more. */
  ping?: { afterMs: number; send: () => void };
}

export interface SilenceWatchdog {
  stop(): void;
}

export function startSilenceWatchdog(options: SilenceWatchdogOptions): SilenceWatchdog {
  const { deadAfterMs, lastHeardAt, onDead, ping } = options;
  /** The lastHeardAt value the last ping was sent for: one ping per silence. */
  let pingedFor = Number.NaN;
  const timer = setInterval(() => {
    const heard = lastHeardAt();
    const silentMs = Date.now() - heard;
    if (silentMs >= deadAfterMs) {
      clearInterval(timer);
      onDead(silentMs);
    } else if (ping && silentMs >= ping.afterMs && pingedFor !== heard) {
      pingedFor = heard;
      ping.send();
    }
  }, Math.max(10, Math.floor(options.checkEveryMs)));
  (timer as { unref?: () => void }).unref?.();
  return { stop: () => clearInterval(timer) };
}
