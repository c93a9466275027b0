/**
 * A watchdog for transports whose library has no keep-alive of its own (the in-memory transport).
 * It sends a ping every `intervalMs` and declares the peer dead when nothing was heard for
 * `timeoutMs`. Library transports map heartbeatMs onto their protocol's keep-alive instead.
 */
export interface Heartbeat {
  /** Call on every sign of life from the peer. */
  touch(): void;
  stop(): void;
}

export function startHeartbeat(options: {
  heartbeatMs: number;
  ping: () => void;
  onDead: (silentForMs: number) => void;
  now?: () => number;
}): Heartbeat {
  const now = options.now ?? Date.now;
  // Ping every heartbeatMs/2 and check on the same tick, so a silent peer is declared dead after at most
  // heartbeatMs + heartbeatMs/2: the contract's 1.5 × heartbeatMs.
  const intervalMs = Math.max(1, Math.floor(options.heartbeatMs / 2));
  let lastHeard = now();
  const timer = setInterval(() => {
    const silent = now() - lastHeard;
    if (silent >= options.heartbeatMs) {
      clearInterval(timer);
      options.onDead(silent);
      return;
    }
    options.ping();
  }, intervalMs);
  (timer as { unref?: () => void }).unref?.();
  return {
    touch() { lastHeard = now(); },
    stop() { clearInterval(timer); },
  };
}
