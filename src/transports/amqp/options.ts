import type { AmqpDialect } from './dialect.js';

export interface AmqpTransportOptions {
  /** Addressing dialect; chosen from the broker's `product`/`version` open properties when absent. */
  dialect?: AmqpDialect;
  /** The AMQP open `hostname` (RabbitMQ: `vhost:NAME` selects a virtual host). Default: the endpoint's host. */
  hostname?: string;
  /** A WebSocket constructor for ws:// and wss:// (default: the platform's, or `ws` in Node). */
  WebSocket?: new (url: string, protocols?: string | string[]) => unknown;
}
