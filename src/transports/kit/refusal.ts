/**
 * A plain-TCP handshake that failed before the peer sent a byte, because the peer hung up, cost nothing:
 * nothing listens behind the port. A standby's closed port behind a TCP proxy (Docker's port proxy, a load
 * balancer) accepts the connect and then resets it, which a client sees as ECONNRESET, or EPIPE when its
 * first write meets the reset, about as often as a plain close. Marked as a refusal, it lets the endpoint
 * walk probe again soon instead of backing off (core/failover.ts): measured on the ActiveMQ pair, 4 of 5
 * attempts on the standby were resets, and each one put a backed-off pass of up to 200 ms between the
 * standby taking over and the client finding it.
 */
import { causes, ConnectionError, type UnifiedMqError } from '../../core/errors.js';
import type { Endpoint } from '../../core/transport.js';

const HUNG_UP = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE']);

/** True when `error`, or an error it wraps, is a socket error of a peer that refused or hung up. */
function isHangUp(error: unknown): boolean {
  for (const e of causes(error)) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && HUNG_UP.has(code)) return true;
  }
  return false;
}

/**
 * `error` as a refusal (`ConnectionError.refused`) when the peer hung up before sending a byte; else
 * unchanged. Not on TLS endpoints: a TLS peer that hangs up mid-handshake (a plain port, a refused
 * certificate) has answered, but its bytes are not counted as heard, and a misconfiguration must back off.
 */
export function refusalIfUnheard(error: UnifiedMqError, endpoint: Endpoint, heard: boolean): UnifiedMqError {
  if (heard || endpoint.secure || !(error instanceof ConnectionError) || error.refused || !isHangUp(error)) return error;
  return new ConnectionError(error.message, { cause: error.cause ?? error, refused: true });
}
