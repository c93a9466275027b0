export { amqp } from './transport.js';
export type { AmqpTransportOptions } from './options.js';
export type { AmqpDialect } from './dialect.js';
