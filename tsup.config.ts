import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    mqtt: 'src/transports/mqtt/index.ts',
    amqp: 'src/transports/amqp/index.ts',
    stomp: 'src/transports/stomp/index.ts',
    memory: 'src/transports/memory/index.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  splitting: true,
  treeshake: true,
  target: 'es2022',
  // p-retry is ESM-only; bundle it so the CJS build works on every Node 20 minor.
  noExternal: ['p-retry', 'is-network-error'],
});
