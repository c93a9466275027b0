/** STOMP over WebSocket subprotocols (STOMP 1.2 §Connecting over WebSocket), newest first (the URL comes from ../kit/web-socket-url.ts). */
export const STOMP_SUBPROTOCOLS = ['v12.stomp', 'v11.stomp'];
