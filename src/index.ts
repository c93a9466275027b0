/**
 * The core of unified-mq: {@link connect}, the {@link Client}, message and option types, and the error family.
 * It imports no protocol library; take a transport from `unified-mq/mqtt`, `unified-mq/amqp`,
 * `unified-mq/stomp` or `unified-mq/memory`.
 * @module unified-mq
 */
export { connect, Client } from './core/client.js';
export type { CloseOptions, Subscription, Consumer } from './core/client.js';
export type { MessageStream } from './core/subscriptions.js';
export type { ServeHandler } from './core/serve.js';
export type { ConnectOptions, DialAddress, EndpointAddress, EndpointResolver } from './core/options.js';
export { DEFAULTS } from './core/options.js';
export { parseEndpoints, parseEndpoint } from './core/endpoints.js';
export { amazonMqEndpoints } from './core/amazon-mq.js';
export type { AmazonMqEndpointOptions, AmazonMqProtocol, AmazonMqDeployment } from './core/amazon-mq.js';
export type { ParsedEndpoints } from './core/endpoints.js';
export { defaultCodec } from './core/codec.js';
export { redact } from './core/redact.js';
export {
  UnifiedMqError,
  ConnectionError,
  AuthenticationError,
  TimeoutError,
  UnsupportedError,
  InvalidDestinationError,
  PayloadTooLargeError,
  BufferOverflowError,
  ClosedError,
  RejectedError,
  InvalidArgumentError,
  DecodeError,
  isUnifiedMqError,
} from './core/errors.js';
export type { ErrorCode, EndpointFailure, UnifiedMqErrorOptions } from './core/errors.js';
export type * from './core/types.js';
export type {
  Transport,
  TransportConnection,
  TransportSubscription,
  Endpoint,
  OpenOptions,
  OutgoingMessage,
  SubscriptionRequest,
  Delivery,
  DestinationKind,
  OutgoingKind,
  Protocol,
} from './core/transport.js';
export { POSSIBLE_DUPLICATE_HEADER } from './core/transport.js';
