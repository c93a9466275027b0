/**
 * rhea / rhea-promise / socket errors → the unified-mq error family, in one place. AMQP error
 * conditions are those of AMQP 1.0 §2.8.15 (amqp:*), §2.8.16 (connection), §2.8.17 (session) and
 * §2.8.18 (link). Every message names the endpoint's `display` and is scrubbed of the password.
 */
import {
  AuthenticationError,
  ConnectionError,
  InvalidDestinationError,
  PayloadTooLargeError,
  RejectedError,
  UnifiedMqError,
} from '../../core/errors.js';
import { scrub } from '../../core/redact.js';
import type { Endpoint } from '../../core/transport.js';
import type { ScanViolation } from './frame-scanner.js';

interface AmqpErrorLike {
  condition?: unknown;
  description?: unknown;
  message?: unknown;
  code?: unknown;
  error?: unknown;
}

/** The AMQP condition and a readable text of anything rhea, rhea-promise or a socket throws. */
function describe(error: unknown, password: string | undefined): { condition: string | undefined; code: string | undefined; text: string } {
  const outer = (error ?? {}) as AmqpErrorLike;
  // rhea-promise wraps the AMQP error of a failed operation in `.error`.
  const inner = outer.error && typeof outer.error === 'object' ? (outer.error as AmqpErrorLike) : outer;
  const condition = typeof (inner.condition ?? outer.condition) === 'string' ? String(inner.condition ?? outer.condition) : undefined;
  const code = typeof (inner.code ?? outer.code) === 'string' ? String(inner.code ?? outer.code) : undefined;
  const raw = inner.description ?? inner.message ?? outer.description ?? outer.message ?? error;
  return { condition, code, text: scrub(String(raw ?? 'unknown error'), password) };
}

/** A failure of the connection (open, SASL, socket, remote close). */
export function translate(error: unknown, endpoint: Endpoint, password: string | undefined): UnifiedMqError {
  if (error instanceof UnifiedMqError) return error;
  const { condition, code, text } = describe(error, password);
  if (condition === 'amqp:unauthorized-access' || /sasl|authenticat/i.test(text)) {
    return new AuthenticationError(`${endpoint.display} refused the credentials (${text}); check username and password`, { cause: error });
  }
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || /wrong version number/i.test(text)) {
    return new ConnectionError(
      `TLS to ${endpoint.display} failed: the port answered in plain text, not TLS; use amqp:// for a plain port (5672) or the broker's TLS port (5671)`,
      { cause: error },
    );
  }
  if (code && /CERT|SSL|TLS|SELF_SIGNED|HOSTNAME|ALTNAME|EPROTO/i.test(code)) {
    return new ConnectionError(`TLS to ${endpoint.display} failed (${code}): ${text}; check tls.ca, tls.servername and the host name`, { cause: error });
  }
  if (condition === 'amqp:frame-size-too-small' || condition === 'amqp:connection:framing-error') {
    return new ConnectionError(`${endpoint.display} closed the connection for a framing error (${text}); check maxFrameBytes`, { cause: error });
  }
  const why = code ?? condition;
  return new ConnectionError(`${endpoint.display}: ${why ? `${why}: ` : ''}${text}`, { cause: error });
}

/** A link could not be attached (or the broker detached it): the address is the usual culprit. */
export function translateLinkError(error: unknown, endpoint: Endpoint, password: string | undefined, destination: string): UnifiedMqError {
  if (error instanceof UnifiedMqError) return error;
  const { condition, text } = describe(error, password);
  if (condition === 'amqp:not-found' || condition === 'amqp:invalid-field' || /not[ _-]?found|no such|invalid address/i.test(text)) {
    return new InvalidDestinationError(destination, `${endpoint.display} has no such address (${text})`, { cause: error });
  }
  if (condition === 'amqp:unauthorized-access' || /access[ _-]?refused|not authori[sz]ed/i.test(text)) {
    return new RejectedError(`${endpoint.display} does not allow this user to use ${JSON.stringify(destination)} (${text})`, { cause: error });
  }
  return translate(error, endpoint, password);
}

/**
 * A send's outcome other than `accepted` (AMQP 1.0 §3.4). `rejected` is final. `released` and
 * `modified` mean "not delivered, you may try again": retryable, so the core writes it again.
 */
export function outcomeError(outcome: 'rejected' | 'released' | 'modified', remoteError: unknown, endpoint: Endpoint, password: string | undefined): UnifiedMqError {
  const detail = remoteError ? ` (${describe(remoteError, password).text})` : '';
  if (outcome === 'rejected') {
    const condition = describe(remoteError, password).condition;
    if (condition === 'amqp:link:message-size-exceeded') {
      return new RejectedError(`${endpoint.display} rejected the message as too large${detail}`, { cause: remoteError });
    }
    return new RejectedError(`${endpoint.display} rejected the message${detail}`, { cause: remoteError });
  }
  // No class of the error family means "try again on this connection"; the code says what happened.
  return new UnifiedMqError('REJECTED', `${endpoint.display} ${outcome} the message without taking it${detail}; it is sent again`, {
    retryable: true,
    cause: remoteError,
  });
}

export function violationError(violation: ScanViolation, endpoint: Endpoint, limit: number): UnifiedMqError {
  switch (violation.kind) {
    case 'too-large':
      return new PayloadTooLargeError(violation.size, limit, `An AMQP frame from ${endpoint.display}`);
    case 'malformed':
      return new ConnectionError(`${endpoint.display} sent a malformed AMQP frame (declared size ${violation.size})`);
    case 'version':
      return new ConnectionError(
        `${endpoint.display} speaks AMQP ${violation.version} (protocol id ${violation.protocolId}), not AMQP 1.0; ` +
          'enable the broker\'s AMQP 1.0 support (RabbitMQ 3.x: the rabbitmq_amqp1_0 plugin)',
      );
    case 'not-amqp':
      return new ConnectionError(`${endpoint.display} ${whatAnswered(violation.firstByte, endpoint)}`);
  }
}

function whatAnswered(firstByte: number, endpoint: Endpoint): string {
  // TLS records start with their content type: 0x15 alert, 0x16 handshake (RFC 8446 §5.1).
  if (firstByte === 0x15 || firstByte === 0x16) {
    return endpoint.secure
      ? 'answered with TLS inside TLS: check the port'
      : 'answered with TLS, not AMQP: this is a TLS port; use amqps:// (or amqp+ssl://) for it';
  }
  if (firstByte === 0x48) return 'answered with HTTP, not AMQP: for AMQP over WebSocket use ws:// or wss://';
  return `did not answer as an AMQP 1.0 broker (first byte 0x${firstByte.toString(16).padStart(2, '0')})`;
}

export function closedBeforeHeader(endpoint: Endpoint): ConnectionError {
  return new ConnectionError(
    endpoint.secure
      ? `${endpoint.display} closed the connection before answering with the AMQP header: no AMQP listener behind it, or a broker that is not up yet`
      : `${endpoint.display} closed the connection before answering with the AMQP header: no AMQP listener behind it, or a TLS port (use amqps://)`,
    // Nothing was negotiated: as cheap as a refused connect (a standby behind a port proxy), see failover.ts.
    { refused: true },
  );
}

export function silenceError(endpoint: Endpoint, silentMs: number, heartbeatMs: number): ConnectionError {
  return new ConnectionError(
    `${endpoint.display} sent nothing for ${silentMs} ms (heartbeatMs ${heartbeatMs}): the broker hangs or the network is cut`,
  );
}
