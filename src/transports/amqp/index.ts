/**
 * The AMQP 1.0 transport, on rhea-promise: {@link amqp}.
 * @module unified-mq/amqp
 */
export { amqp } from './transport.js';
export type { AmqpTransportOptions, BodySection, WebSocketConstructor } from './options.js';
export type { AmqpDialect } from './dialect.js';
