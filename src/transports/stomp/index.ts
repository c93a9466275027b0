/**
 * The STOMP transport, on @stomp/stompjs: {@link stomp}.
 * @module unified-mq/stomp
 */
export { stomp } from './transport.js';
export type { StompTransportOptions, WebSocketConstructor } from './options.js';
export type { StompDialect } from './dialect.js';
