/**
 * Opens the AMQP transport directly (no core client), for the amqp-*.test.ts files: they check the
 * transport's own contract (handshake, confirmation, settlement, loss reports, errors) on real brokers.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { amqp, type AmqpTransportOptions } from '../../src/transports/amqp/index.js';
import type { BrokerInfo } from '../support/brokers.js';
import { openTransport, uniqueClientId as uniqueId, type OpenOverrides as Overrides, type Opened } from '../support/transport-harness.js';

export { message, request, text, type Opened } from '../support/transport-harness.js';
export type OpenOverrides = Overrides<AmqpTransportOptions>;

export function uniqueClientId(): string {
  return uniqueId('umq-amqp-test');
}

export function openAmqp(url: string, broker: Pick<BrokerInfo, 'username' | 'password'> | undefined, options: OpenOverrides = {}): Promise<Opened> {
  const { transport, ...open } = options;
  return openTransport(amqp(transport), 'umq-amqp-test', url, broker, open);
}

/** A local TCP server for the handshake and framing cases: `onSocket` decides what it answers. */
export async function fakeServer(onSocket: (socket: Socket) => void): Promise<{ url: (scheme?: string) => string; sockets: Socket[]; close(): Promise<void> }> {
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: (scheme = 'amqp') => `${scheme}://127.0.0.1:${port}`,
    sockets,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The AMQP 1.0 SASL and AMQP protocol headers (AMQP 1.0 §2.2, §5.3.1). */
export const SASL_HEADER = Buffer.from([0x41, 0x4d, 0x51, 0x50, 3, 1, 0, 0]);
export const AMQP_HEADER = Buffer.from([0x41, 0x4d, 0x51, 0x50, 0, 1, 0, 0]);
