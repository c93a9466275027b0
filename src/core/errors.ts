/**
 * The one error family of unified-mq. Transports translate their library's errors into these at their
 * edge (see each transport's `translate.ts`); nothing above a transport sees a library's own error.
 * No message built here ever contains a password: callers pass redacted endpoints (see `redact.ts`).
 */
/** The `code` of every {@link UnifiedMqError}, one per error class: branch on it instead of on `instanceof`. */
export type ErrorCode =
  | 'CONNECTION'
  | 'AUTHENTICATION'
  | 'TIMEOUT'
  | 'UNSUPPORTED'
  | 'INVALID_DESTINATION'
  | 'PAYLOAD_TOO_LARGE'
  | 'BUFFER_OVERFLOW'
  | 'CLOSED'
  | 'REJECTED'
  | 'INVALID_ARGUMENT'
  | 'DECODE';

/** What every error constructor takes besides its message: the `cause`, and whether a retry may succeed. */
export interface UnifiedMqErrorOptions extends ErrorOptions {
  /** True when the same operation may succeed on another connection or after a failover. */
  retryable?: boolean;
  /**
   * True when the connection was lost over one message the broker delivered: an inbound frame the
   * platform or the client's limits refused (a WebSocket closed with 1007 over a binary body in a text
   * frame, a frame over maxFrameBytes). The broker hands a queued message out again on the next
   * connection, so the core counts these losses (see ./delivery-faults.ts) rather than loop for ever.
   */
  deliveryFault?: boolean;
}

/** The base of every error unified-mq throws or emits; catch it to handle them all. */
export class UnifiedMqError extends Error {
  /** Which kind of failure this is; stable across versions, unlike the message text. */
  readonly code: ErrorCode;
  /** True when the same operation may succeed on another connection or after a failover. */
  readonly retryable: boolean;
  /** See {@link UnifiedMqErrorOptions.deliveryFault}. */
  readonly deliveryFault: boolean;

  constructor(code: ErrorCode, message: string, options?: UnifiedMqErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options?.retryable ?? false;
    this.deliveryFault = options?.deliveryFault ?? false;
  }
}

/** One endpoint's failure, as named in a {@link ConnectionError}. */
export interface EndpointFailure {
  /** The endpoint, with any password removed. */
  endpoint: string;
  /** Why connecting to it failed. */
  error: Error;
}

/** No connection could be made, or an open one was lost; retryable, since another endpoint or attempt may work. */
export class ConnectionError extends UnifiedMqError {
  /** Every endpoint tried, and why it failed (startup failures only). */
  readonly failures: readonly EndpointFailure[];
  /**
   * Nothing answered: the TCP connection was refused, or closed or reset before the peer sent a byte (a
   * standby behind a port proxy; see transports/kit/refusal.ts). Such an attempt costs neither side
   * anything, so the endpoint walk probes again soon instead of backing off (see failover.ts).
   */
  readonly refused: boolean;

  constructor(message: string, options?: UnifiedMqErrorOptions & { failures?: readonly EndpointFailure[]; refused?: boolean }) {
    super('CONNECTION', message, { retryable: true, ...options });
    this.failures = options?.failures ?? [];
    this.refused = options?.refused ?? false;
  }
}

/** `error` and the errors it wraps (`cause`), outermost first, at most five deep. */
export function* causes(error: unknown): Generator<object> {
  for (let e = error, depth = 0; e instanceof Object && depth < 5; e = (e as { cause?: unknown }).cause, depth++) yield e;
}

/** True when an attempt failed without costing anything (see ConnectionError.refused), however it was wrapped. */
export function isRefusal(error: unknown): boolean {
  for (const e of causes(error)) {
    if (e instanceof ConnectionError && e.refused) return true;
    if ((e as { code?: unknown }).code === 'ECONNREFUSED') return true;
  }
  return false;
}

/** The broker refused the credentials. The client never retries this in a loop. */
export class AuthenticationError extends UnifiedMqError {
  constructor(message: string, options?: UnifiedMqErrorOptions) {
    super('AUTHENTICATION', message, { ...options, retryable: false });
  }
}

/** An operation did not complete in its time limit (connecting, a confirmation, a drain on close). */
export class TimeoutError extends UnifiedMqError {
  constructor(message: string, options?: UnifiedMqErrorOptions) {
    super('TIMEOUT', message, { retryable: true, ...options });
  }
}

/** The transport cannot do this on this broker; the message names the alternative (see `client.capabilities`). */
export class UnsupportedError extends UnifiedMqError {
  constructor(message: string, options?: UnifiedMqErrorOptions) {
    super('UNSUPPORTED', message, { ...options, retryable: false });
  }
}

/** A topic or queue name or pattern that is malformed, or that the protocol cannot express. */
export class InvalidDestinationError extends UnifiedMqError {
  /** The name as given. */
  readonly destination: string;

  constructor(destination: string, reason: string, options?: UnifiedMqErrorOptions) {
    super('INVALID_DESTINATION', `Invalid destination ${JSON.stringify(destination)}: ${reason}`, {
      ...options,
      retryable: false,
    });
    this.destination = destination;
  }
}

/** A message body over the broker's or the protocol's size limit; nothing was sent. */
export class PayloadTooLargeError extends UnifiedMqError {
  /** The body's size in bytes. */
  readonly size: number;
  /** The largest size allowed, in bytes. */
  readonly limit: number;

  constructor(size: number, limit: number, where: string, options?: UnifiedMqErrorOptions) {
    super('PAYLOAD_TOO_LARGE', `${where} is ${size} bytes, over the limit of ${limit} bytes`, {
      ...options,
      retryable: false,
    });
    this.size = size;
    this.limit = limit;
  }
}

/** The offline buffer is full (see `BufferOptions`): the publish was not accepted, or was dropped to make room. */
export class BufferOverflowError extends UnifiedMqError {
  constructor(message: string, options?: UnifiedMqErrorOptions) {
    super('BUFFER_OVERFLOW', message, { ...options, retryable: false });
  }
}

/** The client was closed before the operation could complete; connect again to go on. */
export class ClosedError extends UnifiedMqError {
  constructor(message = 'The client is closed; create a new one with connect()', options?: UnifiedMqErrorOptions) {
    super('CLOSED', message, { ...options, retryable: false });
  }
}

/** The broker refused one message (AMQP `rejected`, a STOMP ERROR for a send, …). Not retried. */
export class RejectedError extends UnifiedMqError {
  constructor(message: string, options?: UnifiedMqErrorOptions) {
    super('REJECTED', message, { ...options, retryable: false });
  }
}

/** An option or argument has the wrong shape. Thrown synchronously where possible. */
export class InvalidArgumentError extends UnifiedMqError {
  constructor(message: string, options?: UnifiedMqErrorOptions) {
    super('INVALID_ARGUMENT', message, { ...options, retryable: false });
  }

  /** An error about one option: `format('prefetch', 'must be a positive integer')`. */
  static format(property: string, message: string): InvalidArgumentError {
    return new InvalidArgumentError(`Option "${property}" ${message}`);
  }
}

/** A body could not be decoded as asked (`msg.json()` on bytes that are not JSON, `body` of a bad JSON message). */
export class DecodeError extends UnifiedMqError {
  constructor(message: string, options?: UnifiedMqErrorOptions) {
    super('DECODE', message, { ...options, retryable: false });
  }
}

/** A type guard: true when `error` is a {@link UnifiedMqError}, so its `code` and `retryable` can be read. */
export function isUnifiedMqError(error: unknown): error is UnifiedMqError {
  return error instanceof UnifiedMqError;
}
