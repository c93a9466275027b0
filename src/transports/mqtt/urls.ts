/** Where an endpoint's MQTT listener is: default ports (IANA: 1883, 8883) and the WebSocket URL. */
import type { Endpoint } from '../../core/transport.js';

/** MQTT 3.1.1 §6 / MQTT 5 §6: the WebSocket subprotocol for MQTT 3.1.1 and 5. */
export const MQTT_WS_SUBPROTOCOL = 'mqtt';

export function defaultPort(scheme: string): number {
  switch (scheme) {
    case 'mqtts':
    case 'mqtt+ssl':
      return 8883;
    case 'ws':
      return 80;
    case 'wss':
      return 443;
    default:
      return 1883;
  }
}

/** The WebSocket URL without credentials; the path defaults to `/` as in mqtt.js (RabbitMQ serves `/ws`, EMQX and HiveMQ `/mqtt`). */
export function webSocketUrl(endpoint: Endpoint): string {
  const host = endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host;
  const port = endpoint.port === undefined ? '' : `:${endpoint.port}`;
  const query = new URLSearchParams([...endpoint.params]).toString();
  return `${endpoint.scheme}://${host}${port}${endpoint.path || '/'}${query === '' ? '' : `?${query}`}`;
}
