/** STOMP ERROR frames and socket failures → unified-mq errors, with credentials scrubbed. */
import { AuthenticationError, ConnectionError, RejectedError, UnifiedMqError } from '../../core/errors.js';
import { scrub } from '../../core/redact.js';
import type { Endpoint } from '../../core/transport.js';

const AUTH = /password|passcode|access refused|authenticat|not authori[sz]ed|login|credentials|security/i;

export function translateErrorFrame(
  frame: { headers: Record<string, string>; body: string },
  endpoint: Endpoint,
  password: string | undefined,
  duringConnect: boolean,
): UnifiedMqError {
  const text = scrub(`${frame.headers.message ?? 'ERROR'}${frame.body ? `: ${frame.body.trim().slice(0, 500)}` : ''}`, password);
  if (duringConnect && AUTH.test(text)) return new AuthenticationError(`${endpoint.display} refused the credentials: ${text}`);
  if (frame.headers['receipt-id']) return new RejectedError(`${endpoint.display} refused the message: ${text}`);
  return new ConnectionError(`${endpoint.display} sent an ERROR frame and closes the connection: ${text}`);
}

export function translateSocketError(event: unknown, endpoint: Endpoint, password: string | undefined): UnifiedMqError {
  if (event instanceof UnifiedMqError) return event;
  const e = event as { message?: unknown; error?: unknown; code?: string } | undefined;
  const inner = e?.message instanceof Error ? e.message : e?.error instanceof Error ? e.error : event;
  const code = (inner as { code?: string })?.code;
  const message = scrub(String((inner as Error)?.message ?? inner), password);
  if (code && /CERT|SSL|TLS|SELF_SIGNED|HOSTNAME/i.test(code)) {
    return new ConnectionError(`TLS to ${endpoint.display} failed (${code}): ${message}; check tls.ca and the host name`, { cause: inner });
  }
  return new ConnectionError(`${endpoint.display}: ${message}`, { cause: inner });
}
