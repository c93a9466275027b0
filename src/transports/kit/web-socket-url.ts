/**
 * The WebSocket URL of a `ws://` or `wss://` endpoint, for every transport: without credentials (they go
 * in the protocol's own handshake), IPv6 hosts in brackets, the port only when given (the scheme's default,
 * 80 or 443, otherwise), the path as given or `/` (RabbitMQ serves `/ws`, ActiveMQ `/`, EMQX and HiveMQ
 * `/mqtt`), and the query kept (some gateways take a token there).
 */
import type { Endpoint } from '../../core/transport.js';

export function webSocketUrl(endpoint: Endpoint): string {
  const host = endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host;
  const port = endpoint.port === undefined ? '' : `:${endpoint.port}`;
  const query = new URLSearchParams([...endpoint.params]).toString();
  return `${endpoint.scheme}://${host}${port}${endpoint.path || '/'}${query === '' ? '' : `?${query}`}`;
}

export function isWebSocket(endpoint: Endpoint): boolean {
  return endpoint.scheme === 'ws' || endpoint.scheme === 'wss';
}
