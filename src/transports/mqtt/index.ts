/**
 * The MQTT transport, on mqtt.js: {@link mqtt}.
 * @module unified-mq/mqtt
 */
export { mqtt } from './transport.js';
export type { MqttTransportOptions, WebSocketConstructor } from './options.js';
