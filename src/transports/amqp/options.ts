import { InvalidArgumentError } from '../../core/errors.js';
import { DIALECTS, type AmqpDialect } from './dialect.js';

/** A WebSocket constructor with the browser's API (`ws` in Node also fits). */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => unknown;

/** Options of {@link amqp}: the broker's addressing dialect, virtual host, WebSocket and frame limit. */
export interface AmqpTransportOptions {
  /** Addressing dialect; chosen from the broker's `product`/`version` open properties when absent. */
  dialect?: AmqpDialect;
  /** The open frame's `hostname` (RabbitMQ: `vhost:NAME` selects a virtual host). Default: the endpoint's host. */
  hostname?: string;
  /** A WebSocket constructor for ws:// and wss:// (default: `ws` in Node, the platform's in browsers). */
  WebSocket?: WebSocketConstructor;
  /**
   * The largest AMQP frame accepted from the broker, announced as our max-frame-size (AMQP 1.0 §2.7.1),
   * so a broker splits larger messages into several transfers. A frame declaring more closes the
   * connection with PayloadTooLargeError. Default 1 MiB; at least 512 (§2.7.1).
   */
  maxFrameBytes?: number;
  /**
   * How bodies go on the wire. `'data'` (default): one data section (§3.2.6), the bytes as they are, which
   * every protocol reads back intact (RabbitMQ hands a data section to STOMP and MQTT consumers unchanged).
   * `'value'`: text (`text/*`) as an amqp-value string, and JSON (`application/json`) as an amqp-value map
   * or scalar (§3.2.8), an array as an amqp-sequence (§3.2.7), the way qpid-proton and JMS clients send
   * them, so that those read a string, a map or a list; bytes still go as a data section. STOMP and MQTT consumers on RabbitMQ 3.x would then read
   * the AMQP encoding of the value, so use it where the consumers are AMQP clients.
   */
  bodySection?: BodySection;
}

/** How bodies go on the wire: see {@link AmqpTransportOptions.bodySection}. */
export type BodySection = 'data' | 'value';

/** What the socket layer needs (./socket.node.ts, ./socket.ts). */
export interface SocketSettings {
  readonly WebSocket: WebSocketConstructor | undefined;
  readonly maxFrameBytes: number;
}

export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;
const MIN_MAX_FRAME_BYTES = 512;

/** Validates the options once, when the transport is created. */
export function resolveOptions(options: AmqpTransportOptions): Required<Pick<AmqpTransportOptions, 'maxFrameBytes'>> & AmqpTransportOptions {
  const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  if (!Number.isInteger(maxFrameBytes) || maxFrameBytes < MIN_MAX_FRAME_BYTES || maxFrameBytes > 0xffffffff) {
    throw InvalidArgumentError.format('maxFrameBytes', `must be an integer from ${MIN_MAX_FRAME_BYTES} to 4294967295, not ${String(options.maxFrameBytes)}`);
  }
  if (options.dialect !== undefined && !DIALECTS.includes(options.dialect)) {
    throw InvalidArgumentError.format('dialect', `must be one of ${DIALECTS.join(', ')}, not ${JSON.stringify(options.dialect)}`);
  }
  if (options.bodySection !== undefined && options.bodySection !== 'data' && options.bodySection !== 'value') {
    throw InvalidArgumentError.format('bodySection', `must be 'data' or 'value', not ${JSON.stringify(options.bodySection)}`);
  }
  return { ...options, maxFrameBytes };
}
