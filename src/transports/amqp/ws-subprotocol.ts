/** OASIS "AMQP WebSocket Binding" 1.0: the subprotocol to offer (the URL comes from ../kit/web-socket-url.ts). */
export const AMQP_WS_SUBPROTOCOLS = ['AMQPWSB10'];
