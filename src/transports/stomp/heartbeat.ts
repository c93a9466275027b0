/**
 * heartbeatMs on STOMP (STOMP 1.2 §Heart-beating): what to ask for in CONNECT, and a watchdog that
 * declares a silent broker dead within 1.5 × heartbeatMs.
 *
 * Why not stompjs's own check: it looks every `ttl = max(asked, offered)` ms and gives up after
 * `ttl × heartbeatToleranceMultiplier` of silence, so its worst case is `ttl × (multiplier + 1)`. Brokers
 * send a heart-beat only when a periodic check finds nothing else was written since the previous one, so
 * they can stay silent for almost 2 × their interval (ActiveMQ's AbstractInactivityMonitor write check,
 * RabbitMQ's rabbit_heartbeat), and RabbitMQ rounds intervals to whole seconds (it offers 1000 ms when
 * asked for 300 ms). No multiplier avoids both false alarms and late detection at heartbeatMs = 2 s on
 * RabbitMQ, so the watchdog checks on its own, finer tick:
 *
 * - ask the broker to send every 0.4 × heartbeatMs (and send ours as often);
 * - the broker's real interval is `max(asked, offered)`, so it may be silent for up to 2 × that;
 * - dead after `max(1.2 × heartbeatMs, 2 × interval + 0.2 × heartbeatMs)` of silence, checked every
 *   0.2 × heartbeatMs: detection ≤ 1.4 × heartbeatMs whenever the broker honours the interval asked for
 *   (ActiveMQ always; RabbitMQ from heartbeatMs ≈ 2 s up, below that its 1 s granularity wins).
 */
import { startSilenceWatchdog, type SilenceWatchdog } from '../kit/watchdog.js';

/** The heart-beat interval to ask for, both ways, in the CONNECT frame. */
export function requestedInterval(heartbeatMs: number): number {
  return Math.max(1, Math.round(0.4 * heartbeatMs));
}

export interface WatchdogOptions {
  heartbeatMs: number;
  /** The CONNECTED frame's `heart-beat` header (`sx,sy`), if any. */
  offered: string | undefined;
  /** When the broker was last heard from (Date.now() units). */
  lastHeard: () => number;
  onDead: (silentMs: number) => void;
}

/** Starts the kit's silence watchdog with STOMP's numbers, or returns undefined when the broker sends no heart-beats (then only TCP can tell). */
export function startWatchdog(options: WatchdogOptions): SilenceWatchdog | undefined {
  const asked = requestedInterval(options.heartbeatMs);
  const offered = Number.parseInt(options.offered?.split(',')[0] ?? '0', 10);
  if (!(offered > 0)) return undefined;
  const interval = Math.max(asked, offered);
  return startSilenceWatchdog({
    // "> deadAfterMs" in the rule above; the kit fires at ">=": one millisecond apart.
    deadAfterMs: Math.max(1.2 * options.heartbeatMs, 2 * interval + 0.2 * options.heartbeatMs) + 1,
    checkEveryMs: Math.round(0.2 * options.heartbeatMs),
    lastHeardAt: options.lastHeard,
    onDead: options.onDead,
  });
}
