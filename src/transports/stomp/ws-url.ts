/** The WebSocket URL of a ws:// or wss:// endpoint, and the STOMP subprotocols to offer on it. */
import type { Endpoint } from '../../core/transport.js';

/** STOMP over WebSocket subprotocols (STOMP 1.2 §Connecting over WebSocket), newest first. */
export const STOMP_SUBPROTOCOLS = ['v12.stomp', 'v11.stomp'];

export function webSocketUrl(endpoint: Endpoint): string {
  const port = endpoint.port ?? (endpoint.scheme === 'wss' ? 443 : 80);
  const host = endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host;
  // The path is taken as given: RabbitMQ Web-STOMP serves `/ws`, ActiveMQ's ws transport `/`.
  return `${endpoint.scheme}://${host}:${port}${endpoint.path || '/'}`;
}
