/**
 * What every transport factory returns: its protocol, the schemes it serves, and `open`, behind the one
 * scheme check (an endpoint of another scheme is a typed error at once, not a hang).
 */
import { UnsupportedError } from '../../core/errors.js';
import type { Endpoint, OpenOptions, Protocol, Transport, TransportConnection } from '../../core/transport.js';

export function defineTransport(spec: {
  protocol: Protocol;
  /** The protocol's name in error messages: 'MQTT', 'STOMP', 'AMQP'. */
  name: string;
  schemes: readonly string[];
  open: (endpoint: Endpoint, options: OpenOptions) => Promise<TransportConnection>;
}): Transport {
  const { protocol, name, schemes, open } = spec;
  return {
    protocol,
    schemes,
    open(endpoint, options) {
      if (!schemes.includes(endpoint.scheme)) {
        return Promise.reject(
          new UnsupportedError(`The ${name} transport serves ${schemes.map((s) => `${s}://`).join(', ')} endpoints, not ${endpoint.scheme}:// (${endpoint.display})`),
        );
      }
      return open(endpoint, options);
    },
  };
}
