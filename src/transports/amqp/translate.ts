/**
 * rhea / rhea-promise errors → unified-mq errors: AMQP error conditions (AMQP 1.0 §2.8.15) and socket
 * errors. Credentials are scrubbed from every message.
 */
import { AuthenticationError, ConnectionError, RejectedError, UnifiedMqError } from '../../core/errors.js';
import { scrub } from '../../core/redact.js';
import type { Endpoint } from '../../core/transport.js';

export function translate(error: unknown, endpoint: Endpoint, password: string | undefined): UnifiedMqError {
  if (error instanceof UnifiedMqError) return error;
  const e = (error ?? {}) as { condition?: string; description?: string; message?: string; code?: string; error?: unknown };
  const inner = e.error && typeof e.error === 'object' ? (e.error as typeof e) : e;
  const condition = inner.condition ?? e.condition;
  const text = scrub(String(inner.description ?? inner.message ?? e.message ?? error), password);
  if (condition === 'amqp:unauthorized-access' || /sasl|authenticat|unauthori[sz]ed/i.test(text)) {
    return new AuthenticationError(`${endpoint.display} refused the credentials: ${text}`, { cause: error });
  }
  const code = inner.code ?? e.code;
  if (code && /CERT|SSL|TLS|SELF_SIGNED|HOSTNAME|EPROTO/i.test(code)) {
    return new ConnectionError(`TLS to ${endpoint.display} failed (${code}): ${text}; check tls.ca and the host name`, { cause: error });
  }
  if (/protocol header|invalid frame|header mismatch|unexpected.*(size|header)/i.test(text)) {
    return new ConnectionError(
      `${endpoint.display} did not answer as an AMQP 1.0 broker (${text}); is this a TLS port? Use amqps:// for TLS (port 5671)`,
      { cause: error },
    );
  }
  return new ConnectionError(`${endpoint.display}: ${condition ? `${condition}: ` : ''}${text}`, { cause: error });
}

/** A send's outcome other than `accepted`. `released`/`modified` mean "not delivered, try again". */
export function translateOutcome(error: unknown, endpoint: Endpoint, password: string | undefined): UnifiedMqError {
  const text = scrub(String((error as Error)?.message ?? error), password);
  if (/released|modified/i.test(text)) return new UnifiedMqError('REJECTED', `${endpoint.display} released the message: ${text}`, { retryable: true, cause: error });
  if (/rejected/i.test(text)) return new RejectedError(`${endpoint.display} rejected the message: ${text}`, { cause: error });
  return new ConnectionError(`${endpoint.display}: ${text}`, { cause: error });
}
