/**
 * A WebSocket-to-TCP bridge in front of a broker's AMQP port, for AMQP over WebSocket (OASIS AMQP
 * WebSocket Binding 1.0, subprotocol AMQPWSB10). RabbitMQ 3.10 serves AMQP 1.0 over TCP only (WebSocket
 * came with RabbitMQ 4), so the tests put this in front of it: it accepts only the AMQPWSB10 subprotocol
 * and passes binary messages through unchanged, which is all the binding asks of a server.
 *
 *   const bridge = await startWsBridge(amqpPort, { chunkBytes: 7 });
 *   bridge.url   // ws://127.0.0.1:PORT/
 */
import { connect as tcpConnect } from 'node:net';
import { WebSocketServer } from 'ws';

export interface WsBridge {
  readonly port: number;
  /** `ws://127.0.0.1:PORT/` */
  readonly url: string;
  /** The subprotocol of every WebSocket accepted so far, in order. */
  readonly negotiated: readonly string[];
  /** Drops every WebSocket at once (no close handshake), as a crashed server would. */
  terminateAll(): void;
  close(): Promise<void>;
}

export interface WsBridgeOptions {
  /** Re-chunk what the broker sends into WebSocket messages of at most this many bytes: frames then straddle messages. */
  chunkBytes?: number;
}

export async function startWsBridge(targetPort: number, options: WsBridgeOptions = {}): Promise<WsBridge> {
  const negotiated: string[] = [];
  const server = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    handleProtocols: (protocols) => (protocols.has('AMQPWSB10') ? 'AMQPWSB10' : false),
  });
  server.on('connection', (ws) => {
    negotiated.push(ws.protocol);
    const tcp = tcpConnect(targetPort, '127.0.0.1');
    tcp.on('data', (chunk) => {
      const size = options.chunkBytes ?? chunk.length;
      for (let at = 0; at < chunk.length; at += size) ws.send(chunk.subarray(at, at + size), { binary: true });
    });
    tcp.on('close', () => ws.close());
    tcp.on('error', () => ws.terminate());
    ws.on('message', (data: Buffer) => tcp.write(data));
    ws.on('close', () => tcp.destroy());
    ws.on('error', () => tcp.destroy());
  });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    url: `ws://127.0.0.1:${port}/`,
    negotiated,
    terminateAll: () => {
      for (const client of server.clients) client.terminate();
    },
    close: async () => {
      for (const client of server.clients) client.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
