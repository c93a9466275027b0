/** The WebSocket URL of an endpoint, without credentials (AMQP over WebSocket, OASIS AMQPWSB10). */
import type { Endpoint } from '../../core/transport.js';

/** The WebSocket subprotocol of the OASIS "AMQP WebSocket Binding" 1.0. */
export const AMQP_WS_SUBPROTOCOLS = ['AMQPWSB10'];

export function webSocketUrl(endpoint: Endpoint): string {
  const host = endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host;
  const port = endpoint.port === undefined ? '' : `:${endpoint.port}`;
  return `${endpoint.scheme}://${host}${port}${endpoint.path || '/'}`;
}
