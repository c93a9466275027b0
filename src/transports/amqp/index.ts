export { amqp } from './transport.js';
export type { AmqpTransportOptions, WebSocketConstructor } from './options.js';
export type { AmqpDialect } from './dialect.js';
