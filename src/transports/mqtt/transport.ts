/**
 * The MQTT transport on mqtt.js 5. mqtt.js's own reconnect is off (the core drives failover), the
 * session is persistent so QoS 1 messages wait for a subscriber that is failing over, and the
 * keep-alive implements heartbeatMs: mqtt.js declares the peer dead after 1.5 × keepalive.
 */
import mqttjs, { type IClientOptions, type MqttClient } from 'mqtt';
import { ConnectionError, UnsupportedError } from '../../core/errors.js';
import type { Endpoint, OpenOptions, Transport } from '../../core/transport.js';
import { MqttConnection } from './connection.js';
import type { MqttTransportOptions } from './options.js';
import { translate } from './translate.js';

const SCHEMES = ['mqtt', 'mqtts', 'mqtt+ssl', 'ws', 'wss'] as const;

function brokerUrl(endpoint: Endpoint): string {
  const protocol = endpoint.scheme === 'mqtt+ssl' ? 'mqtts' : endpoint.scheme;
  const port = endpoint.port ?? (protocol === 'mqtts' ? 8883 : protocol === 'mqtt' ? 1883 : protocol === 'wss' ? 443 : 80);
  const host = endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host;
  return `${protocol}://${host}:${port}${endpoint.path}`;
}

export function mqtt(options: MqttTransportOptions = {}): Transport {
  const settings: Required<MqttTransportOptions> = {
    protocolVersion: options.protocolVersion ?? 4,
    sessionExpirySeconds: options.sessionExpirySeconds ?? 3600,
    receiveMaximum: options.receiveMaximum ?? 100,
    queueGroup: options.queueGroup ?? 'unified-mq',
    queuePrefix: options.queuePrefix ?? 'queues',
  };
  return {
    protocol: 'mqtt',
    schemes: SCHEMES,
    open(endpoint, open) {
      if (!(SCHEMES as readonly string[]).includes(endpoint.scheme)) {
        return Promise.reject(new UnsupportedError(`The MQTT transport serves ${SCHEMES.join(', ')}, not ${endpoint.scheme}`));
      }
      return openConnection(endpoint, open, settings);
    },
  };
}

function openConnection(endpoint: Endpoint, open: OpenOptions, settings: Required<MqttTransportOptions>): Promise<MqttConnection> {
  const tls = open.tls;
  const clientOptions: IClientOptions = {
    protocolVersion: settings.protocolVersion,
    clientId: open.clientId,
    username: open.username,
    password: open.password,
    clean: false,
    keepalive: Math.max(1, Math.round(open.heartbeatMs / 1000)),
    reconnectPeriod: 0,
    connectTimeout: open.connectTimeoutMs,
    resubscribe: false,
    properties: settings.protocolVersion === 5
      ? { sessionExpiryInterval: settings.sessionExpirySeconds, receiveMaximum: settings.receiveMaximum }
      : undefined,
    ...(tls && {
      ca: tls.ca as IClientOptions['ca'],
      cert: tls.cert as IClientOptions['cert'],
      key: tls.key as IClientOptions['key'],
      passphrase: tls.passphrase,
      servername: tls.servername,
    }),
    rejectUnauthorized: tls?.rejectUnauthorized ?? true,
  };
  return new Promise<MqttConnection>((resolve, reject) => {
    const client: MqttClient = mqttjs.connect(brokerUrl(endpoint), clientOptions);
    // An 'error' without a listener would throw; errors are handled by `fail` or by the connection.
    client.on('error', () => undefined);
    const fail = (error: unknown) => {
      cleanup();
      client.end(true);
      reject(translate(error, endpoint, open.password));
    };
    const onAbort = () => fail(open.signal.reason);
    const onClose = () => fail(new ConnectionError(`${endpoint.display} closed the connection before CONNACK`));
    const cleanup = () => {
      client.off('connect', onConnect);
      client.off('error', fail);
      client.off('close', onClose);
      open.signal.removeEventListener('abort', onAbort);
    };
    const onConnect = () => {
      cleanup();
      resolve(new MqttConnection(endpoint, client, open, settings));
    };
    client.once('connect', onConnect);
    client.on('error', fail);
    client.once('close', onClose);
    if (open.signal.aborted) onAbort();
    else open.signal.addEventListener('abort', onAbort, { once: true });
  });
}
