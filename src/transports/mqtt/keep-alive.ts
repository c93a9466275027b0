/**
 * heartbeatMs → MQTT keep-alive, and the watchdog that declares a silent broker dead.
 *
 * - On the wire, CONNECT carries a keep-alive K in whole seconds (§3.1.2.10): K = heartbeatMs / 1000,
 *   rounded down, at least 1. The broker drops a client it has not heard from for 1.5 × K; mqtt.js sends
 *   a PINGREQ when K passes without an ack from the broker, so the broker always hears from us in time.
 * - Detection is ours. mqtt.js would declare the broker dead 1.5 × K after the last ack it received
 *   (KeepaliveManager), which is exactly the contract's bound with nothing to spare for timer drift, is
 *   blind below one second, and follows a longer MQTT 5 Server Keep Alive (§3.2.2.3.14) if the broker
 *   sets one. The watchdog counts every byte from the broker instead (InboundGuard.lastHeardAt): after
 *   heartbeatMs/4 of silence it sends a PINGREQ (the broker owes a PINGRESP, §3.12.4), and after
 *   heartbeatMs of silence, checked every heartbeatMs/8, the broker is dead: within 1.125 × heartbeatMs
 *   of its last byte. A live broker thus has at least 5/8 × heartbeatMs to answer a ping, and a broker
 *   that froze is declared dead no sooner than about 5/8 × heartbeatMs after it froze (the silence
 *   before a ping is at most 3/8).
 */
import { startSilenceWatchdog, type SilenceWatchdog } from '../kit/watchdog.js';

export function keepAliveSeconds(heartbeatMs: number): number {
  return Math.min(65535, Math.max(1, Math.floor(heartbeatMs / 1000)));
}

/** The kit's silence watchdog with MQTT's numbers (see above): ping after heartbeatMs/4, dead after heartbeatMs. */
export function startMqttWatchdog(options: {
  heartbeatMs: number;
  lastHeardAt: () => number;
  ping: () => void;
  dead: (silentMs: number) => void;
}): SilenceWatchdog {
  const { heartbeatMs } = options;
  return startSilenceWatchdog({
    deadAfterMs: heartbeatMs,
    checkEveryMs: heartbeatMs / 8,
    lastHeardAt: options.lastHeardAt,
    onDead: options.dead,
    ping: { afterMs: heartbeatMs / 4, send: options.ping },
  });
}
