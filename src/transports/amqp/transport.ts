/**
 * The AMQP 1.0 transport on rhea-promise. rhea's reconnect is off (the core drives failover); the idle
 * time-out implements heartbeatMs: rhea declares the peer dead after 2 × idle_time_out of silence, so
 * 0.7 × heartbeatMs keeps detection within 1.5 × heartbeatMs.
 */
import { Connection, type ConnectionOptions } from 'rhea-promise';
import WebSocket from 'ws';
import { UnsupportedError } from '../../core/errors.js';
import type { Endpoint, OpenOptions, Transport } from '../../core/transport.js';
import { AmqpConnection } from './connection.js';
import { detectDialect } from './dialect.js';
import type { AmqpTransportOptions } from './options.js';
import { translate } from './translate.js';

const SCHEMES = ['amqp', 'amqps', 'amqp+ssl', 'ws', 'wss'] as const;

export function amqp(options: AmqpTransportOptions = {}): Transport {
  return {
    protocol: 'amqp',
    schemes: SCHEMES,
    open(endpoint, open) {
      if (!(SCHEMES as readonly string[]).includes(endpoint.scheme)) {
        return Promise.reject(new UnsupportedError(`The AMQP transport serves ${SCHEMES.join(', ')}, not ${endpoint.scheme}`));
      }
      return openConnection(endpoint, open, options);
    },
  };
}

function connectionOptions(endpoint: Endpoint, open: OpenOptions, options: AmqpTransportOptions): ConnectionOptions {
  const tls = open.tls;
  const base = {
    host: endpoint.host,
    hostname: options.hostname ?? endpoint.host,
    username: open.username,
    password: open.password,
    container_id: open.clientId,
    reconnect: false,
    idle_time_out: Math.max(100, Math.floor(open.heartbeatMs * 0.7)),
    operationTimeoutInSeconds: Math.max(1, Math.ceil(open.connectTimeoutMs / 1000)),
  } satisfies Partial<ConnectionOptions>;
  if (endpoint.scheme === 'ws' || endpoint.scheme === 'wss') {
    const port = endpoint.port ?? (endpoint.scheme === 'wss' ? 443 : 80);
    return {
      ...base,
      transport: 'tcp',
      webSocketOptions: {
        webSocket: (options.WebSocket ?? WebSocket) as never,
        url: `${endpoint.scheme}://${endpoint.host}:${port}${endpoint.path}`,
        protocol: ['AMQPWSB10'],
        options: { rejectUnauthorized: tls?.rejectUnauthorized ?? true, ca: tls?.ca, cert: tls?.cert, key: tls?.key },
      },
    } as unknown as ConnectionOptions;
  }
  if (endpoint.secure) {
    return {
      ...base,
      port: endpoint.port ?? 5671,
      transport: 'tls',
      ca: tls?.ca as string | undefined,
      cert: tls?.cert as string | undefined,
      key: tls?.key as string | undefined,
      passphrase: tls?.passphrase,
      servername: tls?.servername ?? (/^[\d.:]+$/.test(endpoint.host) ? undefined : endpoint.host),
      rejectUnauthorized: tls?.rejectUnauthorized ?? true,
    } as ConnectionOptions;
  }
  return { ...base, port: endpoint.port ?? 5672, transport: 'tcp' };
}

async function openConnection(endpoint: Endpoint, open: OpenOptions, options: AmqpTransportOptions): Promise<AmqpConnection> {
  const connection = new Connection(connectionOptions(endpoint, open, options));
  try {
    await connection.open({ abortSignal: open.signal });
    const session = await connection.createSession({ abortSignal: open.signal });
    const remote = (connection as unknown as { _connection: { remote?: { open?: { properties?: Record<string, unknown> } } } })._connection.remote?.open?.properties;
    const dialect = options.dialect ?? detectDialect(remote);
    return new AmqpConnection(endpoint, connection, session, open, dialect);
  } catch (error) {
    await connection.close().catch(() => undefined);
    throw open.signal.aborted ? open.signal.reason : translate(error, endpoint, open.password);
  }
}
