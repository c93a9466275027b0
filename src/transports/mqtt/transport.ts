/**
 * The MQTT transport on mqtt.js 5: `mqtt(options)` and the handshake. mqtt.js's own reconnect is off
 * (the core drives failover), the session is persistent (clean session / clean start off, MQTT 5 with
 * a session expiry) so QoS 1 messages wait for a subscriber that is failing over, and the keep-alive
 * implements heartbeatMs (./keep-alive.ts).
 */
import type { IClientOptions, MqttClient } from 'mqtt';
import { ConnectionError } from '../../core/errors.js';
import type { Endpoint, OpenOptions, Transport } from '../../core/transport.js';
import { defineTransport } from '../kit/define-transport.js';
import { refusalIfUnheard } from '../kit/refusal.js';
import { MqttConnection } from './connection.js';
import { InboundGuard } from './inbound-guard.js';
import { keepAliveSeconds } from './keep-alive.js';
import { resolveOptions, type MqttSettings, type MqttTransportOptions } from './options.js';
import { createClient } from './socket.node.js';
import { translate } from './translate.js';

const SCHEMES = ['mqtt', 'mqtts', 'mqtt+ssl', 'ws', 'wss'] as const;

// Measured on ActiveMQ 5.17 and RabbitMQ 3.10: neither answers an MQTT 5 CONNECT with a CONNACK refusal
// (§3.1.2.2 asks for return code 1); both close the socket. RabbitMQ's Web-MQTT closes it on bad credentials
// too, and a TLS listener (Node's, at least) on plain bytes.
const CLOSED_ON_V5 = ': brokers that speak only MQTT 3.1.1 (ActiveMQ 5, RabbitMQ 3.x) do this to an MQTT 5 CONNECT; use mqtt({ protocolVersion: 4 }) there';
const CLOSED_ON_V4 = ' (a TLS port does this to plain MQTT: use mqtts:// or wss:// there; RabbitMQ Web-MQTT does it to bad credentials)';

/**
 * The MQTT transport (3.1.1 by default, or 5) on mqtt.js, for `mqtt`, `mqtts`, `ws` and `wss` endpoints:
 * pass it as `ConnectOptions.transport`.
 */
export function mqtt(options: MqttTransportOptions = {}): Transport {
  const settings = resolveOptions(options);
  return defineTransport({ protocol: 'mqtt', name: 'MQTT', schemes: SCHEMES, open: (endpoint, open) => openConnection(endpoint, open, settings) });
}

function clientOptions(open: OpenOptions, settings: MqttSettings): IClientOptions {
  return {
    protocolVersion: settings.protocolVersion,
    clientId: open.clientId,
    username: open.username,
    password: open.password,
    clean: false,
    keepalive: keepAliveSeconds(open.heartbeatMs),
    reconnectPeriod: 0,
    // The core bounds the handshake through open.signal; this is only mqtt.js's backstop.
    connectTimeout: open.connectTimeoutMs + 1000,
    resubscribe: false,
    properties: settings.protocolVersion === 5
      ? {
          sessionExpiryInterval: settings.sessionExpirySeconds,
          receiveMaximum: settings.receiveMaximum,
          // §3.1.2.11.4: the broker must not send us a packet larger than this (the guard enforces it anyway).
          maximumPacketSize: settings.maxFrameBytes,
        }
      : undefined,
  };
}

function openConnection(endpoint: Endpoint, open: OpenOptions, settings: MqttSettings): Promise<MqttConnection> {
  if (open.signal.aborted) return Promise.reject(open.signal.reason);
  return new Promise<MqttConnection>((resolve, reject) => {
    const guard = new InboundGuard(settings.maxFrameBytes, endpoint.display);
    let client: MqttClient;
    try {
      client = createClient(endpoint, open.tls, settings, guard, clientOptions(open, settings));
    } catch (error) {
      reject(translate(error, endpoint, open.password));
      return;
    }
    quietUnlessDebugging(client);
    let settled = false;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      cleanup();
      client.end(true);
      // A reset before CONNACK is a closed port behind a proxy, as cheap as a refused connect.
      reject(refusalIfUnheard(translate(guard.failure ?? error, endpoint, open.password), endpoint, guard.heard));
    };
    const onError = (error: Error) => fail(error);
    const onAbort = () => fail(open.signal.reason);
    const onClose = () => {
      if (guard.socketError !== undefined) fail(guard.socketError);
      else fail(new ConnectionError(`${endpoint.display} closed the connection before CONNACK${settings.protocolVersion === 5 ? CLOSED_ON_V5 : CLOSED_ON_V4}`, { refused: !guard.heard }));
    };
    const onConnect = () => {
      if (settled) return;
      settled = true;
      cleanup();
      resolve(new MqttConnection(endpoint, client, guard, open, settings));
    };
    const cleanup = () => {
      client.off('connect', onConnect);
      client.off('error', onError);
      client.off('close', onClose);
      open.signal.removeEventListener('abort', onAbort);
    };
    client.on('connect', onConnect);
    client.on('error', onError);
    client.on('close', onClose);
    // Late errors (after fail() ended the client) must not be thrown as unhandled 'error' events.
    client.on('error', () => undefined);
    open.signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * mqtt.js logs through `debug` about ten times per message, and a `debug` logger that is off still gathers
 * its arguments on every call (a tenth of what a 256 B publish and its delivery allocate, measured with
 * the heap sampler). Unless DEBUG turned it on when the client was created, mqtt.js gets a logger that
 * does nothing (turning `mqttjs*` on later takes effect on the next connection).
 */
function quietUnlessDebugging(client: MqttClient): void {
  const log = client.log as { enabled?: boolean };
  if (log.enabled === false) client.log = () => undefined;
}

