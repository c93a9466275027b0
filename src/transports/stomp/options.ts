import type { StompDialect } from './dialect.js';

/** A WebSocket constructor (the browser's, `ws`, or any other with the same face). */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => unknown;

/** Options of {@link stomp}: the broker's dialect, STOMP versions, virtual host, WebSocket, limits and ActiveMQ redelivery. */
export interface StompTransportOptions {
  /**
   * The broker's dialect of destinations and headers. Detected from the CONNECTED frame's `server` header
   * (`ActiveMQ/…`, `RabbitMQ/…`) when absent; any other server is `generic` (no wildcards, no durable
   * subscriptions, no priority or TTL).
   */
  dialect?: StompDialect;
  /**
   * The STOMP versions offered in CONNECT's `accept-version` (default `['1.2', '1.1']`: 1.2, falling back
   * to 1.1 on a broker without it). Give `['1.1']` to keep a broker on 1.1.
   */
  versions?: ReadonlyArray<'1.2' | '1.1'>;
  /** The CONNECT `host` header: the virtual host on RabbitMQ. Default `/`. */
  virtualHost?: string;
  /** A WebSocket constructor for ws:// and wss:// (default: `ws` in Node, the platform's in a browser). */
  WebSocket?: WebSocketConstructor;
  /**
   * The largest frame body accepted from the broker, in bytes. A frame declaring more closes the
   * connection with PayloadTooLargeError before it is buffered. It also bounds what this transport sends
   * (`capabilities.maxMessageBytes`). Default 16 MiB. Frames other than MESSAGE (CONNECTED, ERROR) may
   * carry at most 256 KiB of body whatever this says: they are short texts, never payloads.
   */
  maxFrameBytes?: number;
  /**
   * The largest header block (command line and headers) accepted from the broker, in bytes. Brokers allow
   * themselves a few KiB (RabbitMQ 4 KiB of headers by default, ActiveMQ 10 KiB a header); a block growing
   * past this closes the connection with PayloadTooLargeError. Default 64 KiB.
   */
  maxHeaderBytes?: number;
  /**
   * ActiveMQ only: how `nack({ requeue: true })` redelivers. ActiveMQ turns a STOMP NACK into a poison ack
   * (the message goes to the dead-letter queue at once), so a requeue is redelivered by this client, the way
   * ActiveMQ's own JMS client applies its RedeliveryPolicy: the message stays unacknowledged on the broker
   * and comes back to the same subscription after `delayMs` (default 0); a message requeued again waits
   * longer each time (at least 50 ms, doubling, up to 5 s), so that a handler that always fails does not
   * spin. After `maxRedeliveries` requeues (default Infinity) it is NACKed, which dead-letters it.
   */
  activemqRedelivery?: {
    /** The wait before the first redelivery, in ms (default 0). */
    delayMs?: number;
    /** Requeues before the message is dead-lettered (default Infinity). */
    maxRedeliveries?: number;
  };
}

/** What the socket factories need. */
export interface SocketSettings {
  readonly WebSocket: WebSocketConstructor | undefined;
  readonly maxFrameBytes: number;
  readonly maxHeaderBytes: number;
}

/** The options with their defaults applied. */
export interface StompSettings extends SocketSettings {
  readonly dialect: StompDialect | undefined;
  readonly virtualHost: string;
  readonly versions: readonly string[];
  readonly redeliveryDelayMs: number;
  readonly maxRedeliveries: number;
}

export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;
export const DEFAULT_MAX_HEADER_BYTES = 64 * 1024;
