/** Where an endpoint's MQTT listener is: default ports (IANA: 1883, 8883) and the WebSocket subprotocol. */

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
