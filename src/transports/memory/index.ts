/**
 * The in-memory broker and its transport: {@link MemoryBroker}, {@link MemoryStore} and {@link memory}.
 * No setup and no network: for tests, demos and examples.
 * @module unified-mq/memory
 */
export { memory } from './transport.js';
export { MemoryBroker } from './broker.js';
export type { MemoryBrokerOptions, MemoryBrokerStatus } from './broker.js';
export { MemoryStore } from './store.js';
