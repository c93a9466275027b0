/**
 * `connect()` options, their defaults and their validation. The defaults aim at the smallest possible
 * cost of losing the active broker (see docs/failover.md for the trade-offs).
 */
import { InvalidArgumentError } from './errors.js';
import { parseEndpoints } from './endpoints.js';
import type { Endpoint, Transport } from './transport.js';
import type { BufferOptions, Codec, FailoverOptions, Logger, TlsOptions } from './types.js';
import { defaultCodec } from './codec.js';

/** Options of {@link connect}: the transport, the endpoints, and everything else with a default. */
export interface ConnectOptions {
  /** The protocol adapter: `mqtt()`, `amqp()`, `stomp()` or `memory()` from the package's subpaths. */
  transport: Transport;
  /** Active first, then standby; or one `failover:(…)?…` URI. */
  endpoints: string | readonly string[];
  /** The user name for every endpoint that does not carry its own. */
  username?: string;
  /** The password for every endpoint that does not carry its own; it never appears in errors, events or logs. */
  password?: string;
  /** The client's id on the broker (MQTT sessions, durable subscriptions); generated when absent. */
  clientId?: string;
  /** How the client walks the endpoints after a loss; see {@link DEFAULTS}. */
  failover?: FailoverOptions;
  /** A connection silent for about this long is declared dead and failed over (default 10 s). */
  heartbeatMs?: number;
  /** How long one connection attempt may take (default 10 s). */
  connectTimeoutMs?: number;
  /** Bounds of the buffer that holds publishes while disconnected. */
  buffer?: BufferOptions;
  /** Node only. A browser chooses trust itself (its certificate store): there, `tls` is an InvalidArgumentError. */
  tls?: TlsOptions;
  /** Replaces the default body encoding ({@link defaultCodec}). */
  codec?: Codec;
  /** Receives diagnostics; nothing is logged without one. */
  logger?: Logger;
  /** Aborts `connect()` while it is still walking the endpoints. */
  signal?: AbortSignal;
  /**
   * Where to dial an endpoint instead of its own host and port, like curl's `--resolve`: return
   * `{ host, port }`, or undefined to dial the endpoint as written. TLS still checks the certificate
   * against the endpoint's own host name (it is sent as `tls.servername`), and events, errors and
   * `client.endpoint` keep naming the endpoint. For tests that aim real endpoint lists (such as
   * `amazonMqEndpoints()`) at local brokers, tunnels and split-horizon DNS. Node only for TLS: a browser
   * checks certificates against the host it dials.
   */
  resolve?: EndpointResolver;
}

/** See {@link ConnectOptions.resolve}. */
export type EndpointResolver = (endpoint: EndpointAddress) => DialAddress | undefined;

/** Where an endpoint points, as given in its URL: what an {@link EndpointResolver} may redirect. */
export interface EndpointAddress {
  /** The host name of the URL. */
  host: string;
  /** The port of the URL, or undefined for the protocol's default port. */
  port: number | undefined;
}

/** Where an {@link EndpointResolver} sends the connection instead; TLS still verifies the endpoint's own name. */
export interface DialAddress {
  /** The host to dial. */
  host: string;
  /** The port to dial. */
  port: number;
}

/** The default of every {@link ConnectOptions} setting, chosen to make losing the active broker cost as little as possible. */
export const DEFAULTS = {
  /** {@link ConnectOptions.heartbeatMs}. */
  heartbeatMs: 10_000,
  /** {@link ConnectOptions.connectTimeoutMs}. */
  connectTimeoutMs: 10_000,
  /** {@link ConnectOptions.failover}. */
  failover: {
    /** {@link FailoverOptions.randomize}. */
    randomize: false,
    // The first pass after a loss is immediate; then 25, 50, 100, 200, 200… ms. A standby that
    // becomes ready is found within maxDelayMs (+ jitter) of it, which keeps the client's added delay
    // well under the 300 ms goal. Refused connections are cheap, so polling this often costs little.
    /** {@link FailoverOptions.initialDelayMs}. */
    initialDelayMs: 25,
    /** {@link FailoverOptions.maxDelayMs}. */
    maxDelayMs: 200,
    /** {@link FailoverOptions.multiplier}. */
    multiplier: 2,
    /** {@link FailoverOptions.jitter}. */
    jitter: 0.2,
    /** {@link FailoverOptions.maxAttempts}. */
    maxAttempts: Infinity,
    /** {@link FailoverOptions.startupMaxAttempts}. */
    startupMaxAttempts: Infinity,
    /** {@link FailoverOptions.priorityBackup}. */
    priorityBackup: false,
  },
  /** {@link ConnectOptions.buffer}. */
  buffer: {
    /** {@link BufferOptions.maxMessages}. */
    maxMessages: 10_000,
    /** {@link BufferOptions.maxBytes}: 16 MiB. */
    maxBytes: 16 * 1024 * 1024,
    /** {@link BufferOptions.overflow}. */
    overflow: 'reject' as const,
  },
} as const;

/** @internal {@link ConnectOptions} with defaults applied and endpoints parsed: what the client runs on. */
export interface ResolvedOptions {
  transport: Transport;
  endpoints: Endpoint[];
  username: string | undefined;
  password: string | undefined;
  clientId: string;
  failover: Required<FailoverOptions>;
  heartbeatMs: number;
  connectTimeoutMs: number;
  buffer: Required<BufferOptions>;
  publishTimeoutMs: number | undefined;
  tls: TlsOptions | undefined;
  codec: Codec;
  logger: Logger | undefined;
  signal: AbortSignal | undefined;
  resolve: EndpointResolver | undefined;
}

function positive(name: string, value: number, allowZero = false): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0 || (!allowZero && value === 0)) {
    throw InvalidArgumentError.format(name, `must be a ${allowZero ? 'non-negative' : 'positive'} number, got ${String(value)}`);
  }
  return value;
}

export function randomId(bytes = 6): string {
  const data = new Uint8Array(bytes);
  globalThis.crypto.getRandomValues(data);
  let out = '';
  for (const b of data) out += b.toString(16).padStart(2, '0');
  return out;
}

export function resolveOptions(options: ConnectOptions): ResolvedOptions {
  if (!options || typeof options !== 'object') throw new InvalidArgumentError('connect() needs an options object');
  const transport = options.transport;
  if (!transport || typeof transport.open !== 'function') {
    throw InvalidArgumentError.format('transport', 'must be a transport factory result, e.g. mqtt() from "unified-mq/mqtt"');
  }
  const parsed = parseEndpoints(options.endpoints);
  for (const endpoint of parsed.endpoints) {
    if (!transport.schemes.includes(endpoint.scheme)) {
      throw new InvalidArgumentError(
        `Endpoint ${endpoint.display} uses the scheme "${endpoint.scheme}:", which the ${transport.protocol} transport cannot serve; ` +
          `use one of: ${transport.schemes.map((s) => s + '://').join(', ')}`,
      );
    }
  }
  const failover = { ...DEFAULTS.failover, ...parsed.failover, ...stripUndefined(options.failover) };
  positive('failover.initialDelayMs', failover.initialDelayMs, true);
  positive('failover.maxDelayMs', failover.maxDelayMs, true);
  positive('failover.multiplier', failover.multiplier);
  positive('failover.maxAttempts', failover.maxAttempts);
  positive('failover.startupMaxAttempts', failover.startupMaxAttempts);
  if (failover.jitter < 0 || failover.jitter > 1) throw InvalidArgumentError.format('failover.jitter', 'must be between 0 and 1');
  const buffer = { ...DEFAULTS.buffer, ...stripUndefined(options.buffer) };
  positive('buffer.maxMessages', buffer.maxMessages, true);
  positive('buffer.maxBytes', buffer.maxBytes, true);
  if (buffer.overflow !== 'reject' && buffer.overflow !== 'drop-oldest') {
    throw InvalidArgumentError.format('buffer.overflow', `must be 'reject' or 'drop-oldest'`);
  }
  const endpoints = failover.randomize ? shuffle(parsed.endpoints) : parsed.endpoints;
  return {
    transport,
    endpoints,
    username: options.username,
    password: options.password,
    clientId: options.clientId ?? `umq-${randomId()}`,
    failover,
    heartbeatMs: positive('heartbeatMs', options.heartbeatMs ?? DEFAULTS.heartbeatMs),
    connectTimeoutMs: positive('connectTimeoutMs', options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs),
    buffer,
    publishTimeoutMs: parsed.publishTimeoutMs,
    tls: options.tls,
    codec: options.codec ?? defaultCodec,
    logger: options.logger,
    signal: options.signal,
    resolve: optionalFunction('resolve', options.resolve),
  };
}

function optionalFunction<T>(name: string, value: T | undefined): T | undefined {
  if (value !== undefined && typeof value !== 'function') throw InvalidArgumentError.format(name, `must be a function, got ${typeof value}`);
  return value;
}

function stripUndefined<T extends object>(value: T | undefined): Partial<T> {
  if (!value) return {};
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function shuffle<T>(items: T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
