import type { StompDialect } from './dialect.js';

export interface StompTransportOptions {
  /** Destination and header dialect; detected from the CONNECTED frame's `server` header when absent. */
  dialect?: StompDialect;
  /** The STOMP `host` header: the virtual host on RabbitMQ (default "/"). */
  virtualHost?: string;
  /** A WebSocket constructor for ws:// and wss:// (default: the platform's, or `ws` in Node). */
  WebSocket?: new (url: string, protocols?: string | string[]) => unknown;
}
