export { memory } from './transport.js';
export type { MemoryTransportOptions } from './transport.js';
export { MemoryBroker } from './broker.js';
export type { MemoryBrokerOptions, MemoryBrokerStatus } from './broker.js';
export { MemoryStore } from './store.js';
