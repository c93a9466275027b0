/**
 * Opens the STOMP transport directly (no core client), for the stomp-*.test.ts files: what they check is
 * the transport's own contract (handshake, confirmation, acks, loss reports, errors).
 */
import { stomp } from '../../src/transports/stomp/index.js';
import type { StompTransportOptions } from '../../src/transports/stomp/options.js';
import type { BrokerInfo } from '../support/brokers.js';
import { openTransport, uniqueClientId as uniqueId, type OpenOverrides, type Opened } from '../support/transport-harness.js';

export { closeAll, message, request, text, type Opened } from '../support/transport-harness.js';

export function uniqueClientId(): string {
  return uniqueId('umq-stomp-test');
}

export function openStomp(url: string, broker: Pick<BrokerInfo, 'username' | 'password'> | undefined, options: OpenOverrides<StompTransportOptions> = {}): Promise<Opened> {
  const { transport, ...open } = options;
  return openTransport(stomp(transport), 'umq-stomp-test', url, broker, open);
}
