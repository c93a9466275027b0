import { MemoryBroker, MemoryStore, memory } from '../../src/transports/memory/index.js';
import { runConformance } from './suite.js';

let counter = 0;
const unique = (prefix: string) => `${prefix}-${process.pid}-${counter++}`;

runConformance({
  name: 'memory',
  transport: () => memory(),
  lacks: ['durableSubscriptions'],
  async broker() {
    const broker = new MemoryBroker({ name: unique('conf'), maxMessageBytes: 1024 * 1024 });
    await broker.start();
    return { endpoints: [broker.url] };
  },
  async outage() {
    const broker = new MemoryBroker({ name: unique('outage') });
    await broker.start();
    return {
      endpoints: [broker.url],
      down: async () => broker.crash(),
      up: () => broker.restart(),
      dispose: () => broker.stop(),
    };
  },
  async pair() {
    const store = new MemoryStore();
    const a = new MemoryBroker({ name: unique('pair-a'), store });
    const b = new MemoryBroker({ name: unique('pair-b'), store });
    await a.start();
    await b.start();
    return {
      endpoints: [a.url, b.url],
      killActive: async () => (store.holder === a.name ? a : b).crash(),
      dispose: async () => {
        await a.stop();
        await b.stop();
      },
    };
  },
  connectOptions: { heartbeatMs: 2000 },
  quietMs: 50,
});
