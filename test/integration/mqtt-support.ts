/**
 * Opens the MQTT transport directly (no core client), for the mqtt-*.test.ts files: what they check is
 * the transport's own contract (handshake, PUBACK confirmation, held PUBACKs, loss reports, errors).
 */
import { mqtt } from '../../src/transports/mqtt/index.js';
import type { MqttTransportOptions } from '../../src/transports/mqtt/options.js';
import type { BrokerInfo } from '../support/brokers.js';
import { openTransport, uniqueClientId as uniqueId, type OpenOverrides, type Opened } from '../support/transport-harness.js';

export { closeAll, message, request, text, type Opened } from '../support/transport-harness.js';
export type OpenMqttOptions = OpenOverrides<MqttTransportOptions>;

export function uniqueClientId(): string {
  return uniqueId('umq-mqtt');
}

export function openMqtt(url: string, broker: Pick<BrokerInfo, 'username' | 'password'> | undefined, options: OpenOverrides<MqttTransportOptions> = {}): Promise<Opened> {
  const { transport, ...open } = options;
  return openTransport(mqtt(transport), 'umq-mqtt', url, broker, open);
}
