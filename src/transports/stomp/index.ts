export { stomp } from './transport.js';
export type { StompTransportOptions } from './options.js';
export type { StompDialect } from './dialect.js';
