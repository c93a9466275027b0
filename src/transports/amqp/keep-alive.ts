/**
 * heartbeatMs → the AMQP idle time-out we announce, and the silence after which the broker is dead.
 *
 * AMQP 1.0 §2.4.5: a peer announcing idle-time-out T expects a frame at least every T; the other side
 * sends an empty frame when it has been quiet for about T/2. Measured on RabbitMQ 3.10: it reads T in
 * whole seconds (`T div 1000`) and sends at half of that: T = 1000–1999 ms → a frame every 500 ms,
 * T = 2000 → every 1000 ms, T < 1000 → no heartbeat at all. So T is heartbeatMs/2 rounded down to
 * whole seconds, never below 1 s: the broker then sends every T/2 ≤ heartbeatMs/4.
 *
 * rhea's own check would declare the broker dead only after 2 × T plus a 1 s close grace (rhea
 * connection.js `idle`), too late for small heartbeats, so the guard's watchdog (./guarded-socket.ts)
 * declares it dead after heartbeatMs of silence, checked every quarter: at most 1.25 × heartbeatMs,
 * inside the contract's 1.5 ×. Below 1 s, RabbitMQ's 500 ms heartbeat floor sets the bound instead
 * (dead after 1 s).
 */
export interface KeepAlive {
  /** Announced in our open frame. */
  idleTimeOutMs: number;
  /** Silence after which the watchdog fails the connection. */
  deadAfterMs: number;
}

export function keepAliveFor(heartbeatMs: number): KeepAlive | undefined {
  if (!(heartbeatMs > 0) || !Number.isFinite(heartbeatMs)) return undefined;
  const idleTimeOutMs = Math.max(1000, Math.floor(heartbeatMs / 2000) * 1000);
  return { idleTimeOutMs, deadAfterMs: Math.max(heartbeatMs, idleTimeOutMs) };
}
