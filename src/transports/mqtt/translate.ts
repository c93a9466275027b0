/**
 * mqtt.js errors → unified-mq errors. CONNACK refusals carry MQTT 3.1.1 return codes (§3.2.2.3) or
 * MQTT 5 reason codes (§3.2.2.2); socket errors carry Node's codes.
 */
import { AuthenticationError, ConnectionError, UnifiedMqError } from '../../core/errors.js';
import { scrub } from '../../core/redact.js';
import type { Endpoint } from '../../core/transport.js';

// 3.1.1: 4 bad user name or password, 5 not authorized. 5: 134 bad user name or password, 135 not authorized.
const AUTH_CODES = new Set([4, 5, 134, 135]);

export function translate(error: unknown, endpoint: Endpoint, password: string | undefined): UnifiedMqError {
  if (error instanceof UnifiedMqError) return error;
  const e = error as { code?: unknown; message?: string } | undefined;
  const message = scrub(String(e?.message ?? error), password);
  if (typeof e?.code === 'number' && AUTH_CODES.has(e.code)) {
    return new AuthenticationError(`${endpoint.display} refused the credentials: ${message}`, { cause: error });
  }
  if (typeof e?.code === 'string' && /CERT|SSL|TLS|SELF_SIGNED|HOSTNAME|ERR_TLS/i.test(e.code)) {
    return new ConnectionError(`TLS to ${endpoint.display} failed (${e.code}): ${message}; check tls.ca and the host name`, { cause: error });
  }
  return new ConnectionError(`${endpoint.display}: ${message}`, { cause: error });
}
