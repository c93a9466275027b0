/**
 * mqtt.js and socket errors → unified-mq errors, at the transport's edge. Reason codes are MQTT 3.1.1
 * CONNACK return codes (§3.2.2.3) and SUBACK failures (§3.9.3), and MQTT 5 reason codes (§2.4).
 * Every message goes through scrub(): mqtt.js never echoes the password, but a socket error might.
 */
import {
  AuthenticationError,
  ConnectionError,
  InvalidDestinationError,
  PayloadTooLargeError,
  RejectedError,
  UnifiedMqError,
  UnsupportedError,
} from '../../core/errors.js';
import { scrub } from '../../core/redact.js';
import { ErrorWithReasonCode } from './library.js';
import type { Endpoint } from '../../core/transport.js';

// 3.1.1: 4 bad user name or password, 5 not authorized. 5: 134 bad user name or password,
// 135 not authorized, 138 banned, 140 bad authentication method.
const AUTH_CODES = new Set([4, 5, 134, 135, 138, 140]);
// 3.1.1: 1 unacceptable protocol version. 5: 132 unsupported protocol version.
const VERSION_CODES = new Set([1, 132]);
const TLS_MISMATCH = /wrong version number|WRONG_VERSION_NUMBER|packet length too long|unknown protocol|EPROTO|before secure TLS connection was established/i;
const CERTIFICATE = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME|UNABLE_TO_GET_ISSUER/i;

interface LibraryError {
  code?: unknown;
  message?: string;
}

function parts(error: unknown, password: string | undefined): { code: unknown; message: string } {
  const e = error as LibraryError | undefined;
  return { code: e?.code, message: scrub(String(e?.message ?? error), password) };
}

/** An error while connecting, or the loss of an open connection. */
export function translate(error: unknown, endpoint: Endpoint, password: string | undefined): UnifiedMqError {
  if (error instanceof UnifiedMqError) return error;
  const { code, message } = parts(error, password);
  const where = endpoint.display;
  const name = (error as { name?: unknown } | undefined)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new ConnectionError(`${where}: no CONNACK before the connection attempt was given up (${message})`, { cause: error });
  }
  if (error instanceof ErrorWithReasonCode && typeof code === 'number') {
    if (AUTH_CODES.has(code)) {
      return new AuthenticationError(`${where} refused the credentials (MQTT reason code ${code}: ${message}); check the username and password`, { cause: error });
    }
    if (VERSION_CODES.has(code)) {
      return new ConnectionError(`${where} does not speak this MQTT version (reason code ${code}); set mqtt({ protocolVersion }) to what the broker speaks (ActiveMQ 5 and RabbitMQ 3.x: 4)`, { cause: error });
    }
    if (code === 2 || code === 133) {
      return new ConnectionError(`${where} rejected the client id (reason code ${code}); give a clientId the broker accepts (MQTT 3.1.1 brokers may require 1 to 23 letters and digits)`, { cause: error });
    }
    if (code === 142) return new ConnectionError(`${where} handed this session to another connection with the same client id (reason code 142, session taken over)`, { cause: error });
    return new ConnectionError(`${where}: ${message} (MQTT reason code ${code})`, { cause: error });
  }
  if (typeof code === 'string') {
    if (code === 'ECONNREFUSED') return new ConnectionError(`${where} refused the connection (nothing listens there, or the broker is down)`, { cause: error });
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new ConnectionError(`${where}: the host name does not resolve (${code})`, { cause: error });
    if (TLS_MISMATCH.test(code) || TLS_MISMATCH.test(message)) {
      return new ConnectionError(`TLS with ${where} failed: the port does not speak TLS (${code}); use mqtt:// or ws:// for a plain port`, { cause: error });
    }
    if (CERTIFICATE.test(code)) {
      return new ConnectionError(`TLS with ${where} failed: the broker's certificate is not trusted (${code}: ${message}); pass its CA as tls.ca and check the host name (tls.servername)`, { cause: error });
    }
    return new ConnectionError(`${where}: ${message} (${code})`, { cause: error });
  }
  const status = /Unexpected server response: (\d+)/.exec(message);
  if (status) {
    return new ConnectionError(`${where} refused the WebSocket upgrade with HTTP ${status[1]}; check the path (RabbitMQ Web-MQTT serves /ws, EMQX and HiveMQ /mqtt)`, { cause: error });
  }
  if (/Keepalive timeout/i.test(message)) return new ConnectionError(`${where} stopped answering keep-alive pings`, { cause: error });
  return new ConnectionError(`${where}: ${message}`, { cause: error });
}

/** A PUBACK with a failure reason code (MQTT 5 §3.4.2.1): the broker refused this one message. */
export function translatePublishError(
  error: unknown,
  endpoint: Endpoint,
  destination: string,
  size: number,
  limit: number,
  password: string | undefined,
): UnifiedMqError {
  const { code, message } = parts(error, password);
  if (!(error instanceof ErrorWithReasonCode) || typeof code !== 'number') return translate(error, endpoint, password);
  switch (code) {
    case 144: // Topic Name invalid
      return new InvalidDestinationError(destination, `${endpoint.display} refused it as a topic name (reason code 144)`, { cause: error });
    case 149: // Packet too large
      return new PayloadTooLargeError(size, limit, `A message to ${destination} (refused by ${endpoint.display}, reason code 149)`, { cause: error });
    case 135: // Not authorized
      return new RejectedError(`${endpoint.display} does not allow this client to publish to ${destination} (reason code 135)`, { cause: error });
    default:
      return new RejectedError(`${endpoint.display} refused a message to ${destination}: ${message} (reason code ${code})`, { cause: error });
  }
}

/** A SUBACK failure (3.1.1: 0x80; MQTT 5: a reason code ≥ 0x80, §3.9.3). */
export function translateSubscribeError(code: number, endpoint: Endpoint, destination: string, filter: string, cause?: unknown): UnifiedMqError {
  switch (code) {
    case 143: // Topic Filter invalid
      return new InvalidDestinationError(destination, `${endpoint.display} refused the topic filter ${filter} (reason code 143)`, { cause });
    case 158: // Shared Subscriptions not supported
      return new UnsupportedError(`${endpoint.display} has no MQTT shared subscriptions, which queues need; use the STOMP or AMQP transport for queues`, { cause });
    case 162: // Wildcard Subscriptions not supported
      return new UnsupportedError(`${endpoint.display} does not take wildcard subscriptions; subscribe to exact names`, { cause });
    case 135: // Not authorized
      return new RejectedError(`${endpoint.display} does not allow this client to subscribe to ${filter} (reason code 135)`, { cause });
    default:
      return new RejectedError(`${endpoint.display} refused the subscription to ${filter} (reason code ${code}; on MQTT 3.1.1 0x80 means an access rule or an invalid filter)`, { cause });
  }
}

/** The watchdog's verdict (./keep-alive.ts). */
export function silenceError(endpoint: Endpoint, silentMs: number, heartbeatMs: number): ConnectionError {
  return new ConnectionError(`${endpoint.display} sent nothing for ${silentMs} ms, not even a PINGRESP (heartbeatMs is ${heartbeatMs}): the broker or the network is frozen`);
}
