/**
 * One MQTT connection (mqtt.js client) as a TransportConnection: QoS 1 publishes confirmed by PUBACK,
 * subscriptions routed by pattern, PUBACKs held back until the application acks.
 */
import type { IClientPublishOptions, IPublishPacket, MqttClient } from 'mqtt';
import { ConnectionError, InvalidDestinationError, UnifiedMqError, UnsupportedError } from '../../core/errors.js';
import { matcher } from '../../core/destination.js';
import {
  POSSIBLE_DUPLICATE_HEADER,
  type Delivery,
  type Endpoint,
  type OpenOptions,
  type OutgoingMessage,
  type SubscriptionRequest,
  type TransportConnection,
  type TransportSubscription,
} from '../../core/transport.js';
import type { Capabilities, Headers } from '../../core/types.js';
import type { MqttTransportOptions } from './options.js';
import { PubackGate } from './puback-gate.js';
import { fromTopic, queueTopic, sharedFilter, toTopic } from './topics.js';
import { translate } from './translate.js';

const MESSAGE_ID_PROPERTY = 'umq-message-id';

interface Route {
  readonly id: string;
  /** MQTT 5 subscription identifier (§3.8.2.1.2): tells which subscription a PUBLISH came through. */
  readonly identifier: number;
  readonly kind: 'topic' | 'queue';
  readonly matches: (name: string) => boolean;
  readonly deliver: (delivery: Delivery) => void;
}

/** One received PUBLISH; its PUBACK goes out once every subscription it was routed to has settled it. */
interface Inbound {
  readonly messageId: number;
  pending: number;
}

export class MqttConnection implements TransportConnection {
  readonly capabilities: Capabilities;
  readonly #client: MqttClient;
  readonly #options: OpenOptions;
  readonly #transport: Required<MqttTransportOptions>;
  readonly #gate: PubackGate;
  readonly #routes = new Map<string, Route>();
  /** Rejecters of publishes awaiting PUBACK: mqtt.js keeps them for a reconnect we never make. */
  readonly #unconfirmed = new Set<(error: UnifiedMqError) => void>();
  /**
   * PUBLISHes that matched no subscription yet. A resumed session redelivers unacked messages right after
   * CONNACK, before the core has restored its subscriptions: they wait here, unacked, for their route.
   */
  #unrouted: IPublishPacket[] = [];
  #closed = false;
  #nextIdentifier = 1;
  readonly #v5: boolean;

  constructor(readonly endpoint: Endpoint, client: MqttClient, options: OpenOptions, transport: Required<MqttTransportOptions>) {
    this.#client = client;
    this.#options = options;
    this.#transport = transport;
    this.#v5 = transport.protocolVersion === 5;
    this.#gate = new PubackGate(client);
    const maximumPacketSize = (client as unknown as { _serverProperties?: { maximumPacketSize?: number } })._serverProperties?.maximumPacketSize;
    this.capabilities = {
      queues: this.#v5,
      wildcards: true,
      headers: this.#v5,
      durableSubscriptions: false,
      nack: false,
      priority: false,
      ttl: this.#v5,
      // MQTT's remaining length tops out at 256 MiB (§2.2.3); MQTT 5 brokers may announce less.
      maxMessageBytes: maximumPacketSize ? maximumPacketSize - 1024 : 256 * 1024 * 1024 - 1024,
    };
    client.on('message', (_topic, _payload, packet) => this.#receive(packet));
    client.on('close', () => this.#lost(new ConnectionError(`${endpoint.display}: the connection closed`)));
    client.on('error', (error) => this.#lost(translate(error, endpoint, options.password)));
  }

  /** Every PUBLISH from the broker ('message' fires before mqtt.js builds the PUBACK, which the gate holds). */
  #receive(packet: IPublishPacket): void {
    const topic = packet.topic;
    const prefix = this.#transport.queuePrefix + '/';
    const isQueue = this.#v5 && topic.startsWith(prefix);
    const destination = fromTopic(isQueue ? topic.slice(prefix.length) : topic);
    const inbound: Inbound = { messageId: packet.qos > 0 ? (packet.messageId ?? -1) : -1, pending: 0 };
    const properties = packet.properties;
    let headers: Headers = {};
    let possibleDuplicate = false;
    let messageId: string | undefined;
    const user = properties?.userProperties;
    if (user) {
      for (const key in user) {
        const value = user[key];
        const text = (Array.isArray(value) ? value[value.length - 1] : value) ?? '';
        if (key === POSSIBLE_DUPLICATE_HEADER) possibleDuplicate = text === 'true';
        else if (key === MESSAGE_ID_PROPERTY) messageId = text;
        else headers[key] = text;
      }
    } else headers = {};
    const payload = packet.payload as Uint8Array;
    const delivery: Delivery = {
      destination,
      bytes: new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength),
      headers,
      messageId,
      correlationId: properties?.correlationData ? new TextDecoder().decode(properties.correlationData) : undefined,
      replyTo: properties?.responseTopic ? fromTopic(properties.responseTopic) : undefined,
      contentType: properties?.contentType,
      priority: undefined,
      expiresAt: properties?.messageExpiryInterval !== undefined ? Date.now() + properties.messageExpiryInterval * 1000 : undefined,
      redelivered: packet.dup,
      possibleDuplicate,
      tag: inbound,
    };
    const identifiers = properties?.subscriptionIdentifier;
    if (identifiers !== undefined) {
      // MQTT 5: the broker says which subscriptions matched; overlapping ones each get their copy.
      for (const route of this.#routes.values()) {
        if (Array.isArray(identifiers) ? identifiers.includes(route.identifier) : identifiers === route.identifier) {
          inbound.pending++;
          route.deliver(delivery);
        }
      }
    } else {
      for (const route of this.#routes.values()) {
        if ((route.kind === 'queue') === isQueue && route.matches(destination)) {
          inbound.pending++;
          route.deliver(delivery);
        }
      }
    }
    if (inbound.pending === 0) {
      // Never acked while unrouted: if no subscription claims it, the broker redelivers it next session.
      if (packet.qos > 0) this.#unrouted.push(packet);
    }
  }

  #settle(inbound: Inbound): void {
    if (inbound.messageId >= 0 && !this.#closed) this.#gate.release(inbound.messageId);
  }

  #lost(error: UnifiedMqError): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const reject of this.#unconfirmed) reject(error);
    this.#unconfirmed.clear();
    this.#client.end(true);
    this.#options.onLost(error);
  }

  publish(message: OutgoingMessage, confirm: boolean): Promise<void> {
    if (this.#closed) return Promise.reject(new ConnectionError(`${this.endpoint.display}: the connection is closed`));
    if (message.headers !== undefined && !this.#v5) {
      return Promise.reject(new UnsupportedError('MQTT 3.1.1 cannot carry headers; use MQTT 5 (mqtt({ protocolVersion: 5 })), or the STOMP or AMQP transport'));
    }
    const topic = message.kind === 'queue' ? queueTopic(this.#transport.queuePrefix, message.destination) : toTopic(message.destination);
    const options: IClientPublishOptions = { qos: confirm ? 1 : 0 };
    if (this.#v5) {
      const userProperties: Record<string, string> = { ...message.headers, [MESSAGE_ID_PROPERTY]: message.messageId };
      if (message.possibleDuplicate) userProperties[POSSIBLE_DUPLICATE_HEADER] = 'true';
      options.properties = {
        userProperties,
        contentType: message.contentType,
        correlationData: message.correlationId === undefined ? undefined : (new TextEncoder().encode(message.correlationId) as Buffer),
        responseTopic: message.replyTo === undefined ? undefined : toTopic(message.replyTo),
        messageExpiryInterval: message.ttlMs === undefined ? undefined : Math.max(1, Math.ceil(message.ttlMs / 1000)),
      };
    }
    return new Promise<void>((resolve, reject) => {
      this.#unconfirmed.add(reject);
      this.#client.publish(topic, message.bytes as Buffer, options, (error) => {
        this.#unconfirmed.delete(reject);
        if (!error) resolve();
        else reject(this.#closed ? new ConnectionError(`${this.endpoint.display}: lost before PUBACK`) : translate(error, this.endpoint, this.#options.password));
      });
    });
  }

  async subscribe(request: SubscriptionRequest, deliver: (delivery: Delivery) => void): Promise<TransportSubscription> {
    if (request.kind === 'queue' && !this.#v5) {
      throw new UnsupportedError('MQTT 3.1.1 has no queues; use MQTT 5 shared subscriptions (mqtt({ protocolVersion: 5 })) or the STOMP or AMQP transport');
    }
    const filter = request.kind === 'queue'
      ? sharedFilter(this.#transport.queueGroup, this.#transport.queuePrefix, request.destination)
      : toTopic(request.destination);
    const identifier = this.#nextIdentifier++;
    const route: Route = { id: request.id, identifier, kind: request.kind, matches: matcher(request.destination), deliver };
    this.#routes.set(request.id, route);
    try {
      const granted = await this.#client.subscribeAsync(filter, this.#v5 ? { qos: 1, properties: { subscriptionIdentifier: identifier } } : { qos: 1 });
      // SUBACK failure: 0x80 in 3.1.1 (§3.9.3), a reason code ≥ 0x80 in MQTT 5 (§3.9.3).
      const refused = granted.find((g) => g.qos >= 128);
      if (refused) throw new InvalidDestinationError(request.destination, `the broker refused the subscription to ${filter} (code ${refused.qos})`);
    } catch (error) {
      this.#routes.delete(request.id);
      throw error instanceof UnifiedMqError ? error : translate(error, this.endpoint, this.#options.password);
    }
    if (this.#unrouted.length > 0) {
      const waiting = this.#unrouted;
      this.#unrouted = [];
      for (const packet of waiting) this.#receive(packet);
    }
    return {
      unsubscribe: async () => {
        this.#routes.delete(request.id);
        const stillUsed = [...this.#routes.values()].some((r) => r.kind === request.kind && r.matches === route.matches);
        if (!stillUsed && !this.#closed) await this.#client.unsubscribeAsync(filter).catch(() => undefined);
      },
    };
  }

  ack(delivery: Delivery): Promise<void> {
    const inbound = delivery.tag as Inbound;
    if (--inbound.pending <= 0) this.#settle(inbound);
    return Promise.resolve();
  }

  nack(): Promise<void> {
    return Promise.reject(new UnsupportedError('MQTT has no nack; leave the message unacked and it is redelivered when the session resumes'));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const reject of this.#unconfirmed) reject(new ConnectionError(`${this.endpoint.display}: closed before PUBACK`));
    this.#unconfirmed.clear();
    await this.#client.endAsync(false).catch(() => undefined);
  }
}
