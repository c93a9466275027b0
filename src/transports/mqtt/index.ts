export { mqtt } from './transport.js';
export type { MqttTransportOptions } from './options.js';
