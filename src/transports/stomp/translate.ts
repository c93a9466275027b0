/**
 * The STOMP transport's edge of the error family: ERROR frames and socket failures become unified-mq
 * errors, with the password scrubbed from every text a broker or library produced.
 */
import {
  AuthenticationError,
  ConnectionError,
  InvalidDestinationError,
  RejectedError,
  UnifiedMqError,
} from '../../core/errors.js';
import { scrub } from '../../core/redact.js';
import type { Endpoint } from '../../core/transport.js';

export interface ErrorFrame {
  headers: Record<string, string>;
  /** The body as text (stompjs decodes it as UTF-8). */
  body: string;
}

/** RabbitMQ: "Access refused for user 'x'", "Virtual host 'v' access denied"; ActiveMQ: "User name [x] or password is invalid." */
const REFUSED_CREDENTIALS = /password|passcode|access (refused|denied)|authenticat|not authori[sz]ed|login|credentials|security/i;

/** The ERROR frame's `message` header and the start of its body (ActiveMQ puts a Java stack trace there). */
export function errorText(frame: ErrorFrame, password: string | undefined): string {
  const body = frame.body.trim().split('\n')[0]!.slice(0, 300);
  const message = frame.headers.message ?? 'ERROR';
  return scrub(body && !body.includes(message) ? `${message}: ${body}` : body || message, password);
}

/** An ERROR frame instead of CONNECTED. */
export function translateConnectError(frame: ErrorFrame, endpoint: Endpoint, password: string | undefined): UnifiedMqError {
  const text = errorText(frame, password);
  if (REFUSED_CREDENTIALS.test(text)) {
    return new AuthenticationError(`${endpoint.display} refused the connection: ${text}; check the username, password and virtual host`);
  }
  return new ConnectionError(`${endpoint.display} refused the STOMP connection: ${text}`);
}

/** An ERROR frame that refuses one operation (a SEND, a SUBSCRIBE) on an open connection. */
export function translateRefusal(frame: ErrorFrame, destination: string, endpoint: Endpoint, password: string | undefined): UnifiedMqError {
  const text = errorText(frame, password);
  // RabbitMQ's `message` header is the AMQP error name.
  if (/^not_found$/i.test(frame.headers.message ?? '')) return new InvalidDestinationError(destination, `${endpoint.display}: ${text}`);
  return new RejectedError(`${endpoint.display} refused the operation on ${destination}: ${text}`);
}

/** A socket error event from tcp-wrapper (`{ message: Error }`), `ws` or a browser (`{ error }`). */
export function translateSocketError(event: unknown, endpoint: Endpoint, password: string | undefined): UnifiedMqError {
  if (event instanceof UnifiedMqError) return event;
  const e = event as { message?: unknown; error?: unknown } | undefined;
  const inner = e?.message instanceof Error ? e.message : e?.error instanceof Error ? e.error : event instanceof Error ? event : undefined;
  const code = (inner as { code?: string } | undefined)?.code;
  const text = scrub(inner ? inner.message : typeof e?.message === 'string' ? e.message : 'socket error', password);
  if (code && /CERT|SSL|TLS|SELF_SIGNED|HOSTNAME|ALTNAME|UNABLE_TO_(GET|VERIFY)/i.test(code)) {
    return new ConnectionError(`TLS to ${endpoint.display} failed (${code}): ${text}; check tls.ca, tls.servername and the host name`, { cause: inner });
  }
  return new ConnectionError(`${endpoint.display}: ${text}`, { cause: inner });
}
