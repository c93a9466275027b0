/**
 * The one error family of unified-mq. Transports translate their library's errors into these at their
 * edge (see each transport's `translate.ts`); nothing above a transport sees a library's own error.
 * No message built here ever contains a password: callers pass redacted endpoints (see `redact.ts`).
 */
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
  | 'INVALID_ARGUMENT';

export interface UnifiedMqErrorOptions extends ErrorOptions {
  /** True when the same operation may succeed on another connection or after a failover. */
  retryable?: boolean;
}

export class UnifiedMqError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options?: UnifiedMqErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options?.retryable ?? false;
  }
}

/** One endpoint's failure, as named in a {@link ConnectionError}. */
export interface EndpointFailure {
  /** The endpoint, with any password removed. */
  endpoint: string;
  error: Error;
}

export class ConnectionError extends UnifiedMqError {
  /** Every endpoint tried, and why it failed (startup failures only). */
  readonly failures: readonly EndpointFailure[];
  /**
   * Nothing answered: the TCP connection was refused, or closed before the peer sent a byte (a standby
   * behind a port proxy). Such an attempt costs neither side anything, so the endpoint walk probes again
   * soon instead of backing off (see failover.ts).
   */
  readonly refused: boolean;

  constructor(message: string, options?: UnifiedMqErrorOptions & { failures?: readonly EndpointFailure[]; refused?: boolean }) {
    super('CONNECTION', message, { retryable: true, ...options });
    this.failures = options?.failures ?? [];
    this.refused = options?.refused ?? false;
  }
}

/** True when an attempt failed without costing anything (see ConnectionError.refused), however it was wrapped. */
export function isRefusal(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Object && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
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

export class TimeoutError extends UnifiedMqError {
  constructor(message: string, options?: UnifiedMqErrorOptions) {
    super('TIMEOUT', message, { retryable: true, ...options });
  }
}

export class UnsupportedError extends UnifiedMqError {
  constructor(message: string, options?: UnifiedMqErrorOptions) {
    super('UNSUPPORTED', message, { ...options, retryable: false });
  }
}

export class InvalidDestinationError extends UnifiedMqError {
  readonly destination: string;

  constructor(destination: string, reason: string, options?: UnifiedMqErrorOptions) {
    super('INVALID_DESTINATION', `Invalid destination ${JSON.stringify(destination)}: ${reason}`, {
      ...options,
      retryable: false,
    });
    this.destination = destination;
  }
}

export class PayloadTooLargeError extends UnifiedMqError {
  readonly size: number;
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

export class BufferOverflowError extends UnifiedMqError {
  constructor(message: string, options?: UnifiedMqErrorOptions) {
    super('BUFFER_OVERFLOW', message, { ...options, retryable: false });
  }
}

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

  static format(property: string, message: string): InvalidArgumentError {
    return new InvalidArgumentError(`Option "${property}" ${message}`);
  }
}

export function isUnifiedMqError(error: unknown): error is UnifiedMqError {
  return error instanceof UnifiedMqError;
}
