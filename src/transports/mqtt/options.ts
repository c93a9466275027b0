import { InvalidArgumentError } from '../../core/errors.js';

/** A WebSocket constructor (the browser's, `ws`, or any other with the same face). */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => unknown;

/** Options of {@link mqtt}: the MQTT version, session handling, how queues map onto MQTT, and limits. */
export interface MqttTransportOptions {
  /**
   * 4 = MQTT 3.1.1 (the default: ActiveMQ 5.x, Amazon MQ and RabbitMQ 3.x speak only this), 5 = MQTT 5
   * (Mosquitto, EMQX, HiveMQ, RabbitMQ 3.13+…). There is no auto-detection: a 3.1.1 broker answers an
   * MQTT 5 CONNECT by closing the socket (ActiveMQ) or with return code 1, and guessing would cost a
   * second handshake on every failover. A broker that refuses the version fails with a message saying
   * which version to set.
   */
  protocolVersion?: 4 | 5;
  /**
   * MQTT 5 session expiry in seconds (default 3600). The session is persistent (clean start off), so
   * QoS 1 messages that arrive while the client fails over are kept for it. MQTT 3.1.1 sessions never
   * expire on the broker.
   */
  sessionExpirySeconds?: number;
  /**
   * What `close()` does with the broker-side session (default false). By default a client that closes
   * for good ends its session: MQTT 5 sends DISCONNECT with session expiry 0, MQTT 3.1.1 unsubscribes
   * every filter first (3.1.1 sessions never expire: ActiveMQ would keep a durable subscriber and
   * RabbitMQ a durable queue filling up with every matching message, forever). Set true when you give
   * a stable `clientId` and want the broker to keep QoS 1 messages for the next run.
   */
  keepSessionOnClose?: boolean;
  /** MQTT 5 receive maximum: QoS 1 messages the broker may have in flight to this connection (default 100). */
  receiveMaximum?: number;
  /** The shared-subscription group used for queues on MQTT 5 (default "unified-mq"). */
  queueGroup?: string;
  /** The topic prefix that keeps queues apart from topics on MQTT 5 (default "queues"). */
  queuePrefix?: string;
  /**
   * Request/reply: replies to this client's requests arrive on the topic `PREFIX/CLIENT-ID` (default
   * "replies"), given to servers as the MQTT 5 response topic, or in the 3.1.1 envelope. Brokers with
   * topic ACLs (Amazon MQ, Mosquitto with an acl_file) must let each client subscribe under it.
   */
  replyPrefix?: string;
  /**
   * MQTT 3.1.1 only: carry headers and message properties in an envelope inside the payload (see
   * ./envelope.ts for the format). Off by default, because only unified-mq clients with the envelope on
   * can read such payloads; other clients (or other protocols on the same broker) see the envelope bytes.
   * With it, 3.1.1 gets headers, message ids, content type, correlation id, reply-to and the
   * possible-duplicate flag; without it, a publish that carries headers rejects with UnsupportedError.
   */
  envelope?: boolean;
  /**
   * The largest MQTT packet accepted from the broker, in bytes (default 16 MiB, at most 268 435 460, the
   * protocol's limit). A packet whose declared length passes it closes the connection with
   * PayloadTooLargeError before its body is buffered. It also bounds what this transport sends
   * (`capabilities.maxMessageBytes`), so that a client never publishes what it could not receive.
   */
  maxFrameBytes?: number;
  /** A WebSocket constructor for ws:// and wss:// in browsers (default: the platform's). Node uses `ws`. */
  WebSocket?: WebSocketConstructor;
}

/** The options with their defaults applied. */
export interface MqttSettings {
  readonly protocolVersion: 4 | 5;
  readonly sessionExpirySeconds: number;
  readonly keepSessionOnClose: boolean;
  readonly receiveMaximum: number;
  readonly queueGroup: string;
  readonly queuePrefix: string;
  readonly replyPrefix: string;
  readonly envelope: boolean;
  readonly maxFrameBytes: number;
  readonly WebSocket: WebSocketConstructor | undefined;
}

export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;
/** MQTT 3.1.1 §2.2.3: the remaining length tops out at 268 435 455; plus 5 bytes of fixed header. */
export const PROTOCOL_MAX_PACKET_BYTES = 268_435_455 + 5;
const MIN_MAX_FRAME_BYTES = 1024;

function integer(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw InvalidArgumentError.format(name, `must be an integer from ${min} to ${max}, not ${String(value)}`);
  }
  return value;
}

// §4.7.1/§4.8.2: a share name and a topic level cannot hold separators or wildcards.
function segment(name: string, value: string): string {
  if (typeof value !== 'string' || value === '' || /[/+#\u0000]/.test(value)) {
    throw InvalidArgumentError.format(name, `must be a non-empty string without "/", "+", "#" or NUL, not ${JSON.stringify(value)}`);
  }
  return value;
}

/** Validates the options once, when the transport is created. */
export function resolveOptions(options: MqttTransportOptions): MqttSettings {
  const protocolVersion = options.protocolVersion ?? 4;
  if (protocolVersion !== 4 && protocolVersion !== 5) {
    throw InvalidArgumentError.format('protocolVersion', `must be 4 (MQTT 3.1.1) or 5 (MQTT 5), not ${String(protocolVersion)}`);
  }
  return {
    protocolVersion,
    // §3.1.2.11.2: a four-byte integer.
    sessionExpirySeconds: integer('sessionExpirySeconds', options.sessionExpirySeconds ?? 3600, 0, 0xffffffff),
    keepSessionOnClose: options.keepSessionOnClose ?? false,
    // §3.1.2.11.3: 1..65535.
    receiveMaximum: integer('receiveMaximum', options.receiveMaximum ?? 100, 1, 65535),
    queueGroup: segment('queueGroup', options.queueGroup ?? 'unified-mq'),
    queuePrefix: segment('queuePrefix', options.queuePrefix ?? 'queues'),
    replyPrefix: segment('replyPrefix', options.replyPrefix ?? 'replies'),
    envelope: options.envelope ?? false,
    maxFrameBytes: integer('maxFrameBytes', options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES, MIN_MAX_FRAME_BYTES, PROTOCOL_MAX_PACKET_BYTES),
    WebSocket: options.WebSocket,
  };
}
