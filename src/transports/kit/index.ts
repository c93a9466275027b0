/**
 * The transport kit: the plumbing every transport shares, so that a new transport is one folder of
 * protocol code. See docs/transports.md ("Adding a transport").
 * - defineTransport: the Transport object with its scheme check;
 * - startSilenceWatchdog: heartbeat detection on "nothing heard for N ms";
 * - webSocketUrl / isWebSocket: ws:// and wss:// endpoints;
 * - tls.node.ts (Node only, import it from a transport's *.node.ts file): ConnectOptions.tls → node:tls.
 */
export { defineTransport } from './define-transport.js';
export { startSilenceWatchdog, type SilenceWatchdog, type SilenceWatchdogOptions } from './watchdog.js';
export { isWebSocket, webSocketUrl } from './web-socket-url.js';
