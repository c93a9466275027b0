/**
 * One open MQTT connection (an mqtt.js client after CONNACK) as a TransportConnection: QoS 1 publishes
 * confirmed by PUBACK, subscriptions routed per topic filter, PUBACKs held back until the application
 * acks, and the loss of the connection reported once.
 *
 * States: 'open' → 'lost' (the socket died, the watchdog or the guard failed it: onLost is called once)
 *         'open' → 'closing' → 'closed' (close() was called: onLost is never called).
 */
import type { IConnackPacket, IPublishPacket, MqttClient } from 'mqtt';
import { matcher, hasWildcards } from '../../core/destination.js';
import { ConnectionError, PayloadTooLargeError, UnifiedMqError, UnsupportedError } from '../../core/errors.js';
import { SETTLED, type Delivery, type Endpoint, type OpenOptions, type OutgoingMessage, type SubscriptionRequest, type TransportConnection, type TransportSubscription } from '../../core/transport.js';
import type { Capabilities } from '../../core/types.js';
import type { InboundGuard } from './inbound-guard.js';
import { toDelivery } from './inbound.js';
import { ErrorWithReasonCode } from './library.js';
import type { SilenceWatchdog } from '../kit/watchdog.js';
import { startMqttWatchdog } from './keep-alive.js';
import type { MqttSettings } from './options.js';
import { publishOverheadBound, toPublish, type PropertyMode, type Publish } from './outbound.js';
import { PubackGate } from './puback-gate.js';
import { asBuffer, copyBody } from './socket.node.js';
import { SubscriptionTable, type FilterEntry, type Route } from './subscription-table.js';
import { fromTopic, sharedFilter, toFilter } from './topics.js';
import { silenceError, translate, translatePublishError, translateSubscribeError } from './translate.js';

type State = 'open' | 'lost' | 'closing' | 'closed';

/** One received QoS 1 PUBLISH: its PUBACK goes out once every subscription it was routed to has settled it. */
interface Inbound {
  readonly owner: MqttConnection;
  /** The packet identifier, or -1 for QoS 0 (nothing to acknowledge). */
  readonly packetId: number;
  pending: number;
}

/**
 * How long a PUBLISH that matches no subscription waits for one. A resumed session redelivers unacked
 * messages right after CONNACK, before the core has restored its subscriptions; they wait, unacked.
 * What no subscription claims within this time after the last subscribe belongs to a subscription the
 * session kept but the application no longer has: it is acknowledged and dropped.
 */
const UNROUTED_GRACE_MS = 10_000;
/** How long close() waits for the UNSUBACK that ends an MQTT 3.1.1 session (at most heartbeatMs). */
const UNSUBSCRIBE_WAIT_MS = 2_000;
/** A bound on the whole of close(), whatever mqtt.js does. */
const CLOSE_TIMEOUT_MS = 5_000;

export class MqttConnection implements TransportConnection {
  readonly endpoint: Endpoint;
  readonly capabilities: Capabilities;
  readonly #client: MqttClient;
  readonly #guard: InboundGuard;
  readonly #open: OpenOptions;
  readonly #settings: MqttSettings;
  readonly #gate: PubackGate;
  readonly #watchdog: SilenceWatchdog;
  readonly #table = new SubscriptionTable();
  readonly #mode: PropertyMode;
  /** MQTT 5 subscription identifiers route each PUBLISH to the subscriptions it matched (§3.3.4). */
  readonly #identifiers: boolean;
  readonly #queueTopicPrefix: string;
  /** The largest packet this connection sends: our own cap, or the broker's maximum packet size if lower. */
  readonly #maxPacketBytes: number;
  /** Rejecters of publishes awaiting PUBACK: mqtt.js keeps them for a reconnect we never make. */
  readonly #unconfirmed = new Set<(error: UnifiedMqError) => void>();
  #unrouted: Array<{ topic: string; packet: IPublishPacket }> = [];
  #unroutedTimer: ReturnType<typeof setTimeout> | undefined;
  #state: State = 'open';

  constructor(endpoint: Endpoint, client: MqttClient, guard: InboundGuard, open: OpenOptions, settings: MqttSettings) {
    this.endpoint = endpoint;
    this.#client = client;
    this.#guard = guard;
    this.#open = open;
    this.#settings = settings;
    const v5 = settings.protocolVersion === 5;
    this.#mode = v5 ? 'v5' : settings.envelope ? 'envelope' : 'none';
    this.#queueTopicPrefix = settings.queuePrefix + '/';
    // MQTT 5 §3.2.2.3: absent "available" properties mean available.
    const server: IConnackPacket['properties'] = v5 ? client.serverProperties : undefined;
    this.#identifiers = v5 && server?.subscriptionIdentifiersAvailable !== false;
    this.#maxPacketBytes = Math.min(settings.maxFrameBytes, server?.maximumPacketSize ?? Infinity);
    this.capabilities = {
      queues: v5 && server?.sharedSubscriptionAvailable !== false,
      wildcards: server?.wildcardSubscriptionAvailable !== false,
      headers: this.#mode !== 'none',
      // A persistent session keeps every subscription of the client id, not a named one: see docs/protocols.md.
      durableSubscriptions: false,
      nack: false,
      priority: false,
      ttl: v5,
      // Room for the topic and properties, which the exact check in publish() counts.
      maxMessageBytes: this.#maxPacketBytes - Math.min(16 * 1024, Math.floor(this.#maxPacketBytes / 4)),
      // MQTT over WebSocket is binary frames only (MQTT 3.1.1 §6, MQTT 5 §6), and TCP carries any bytes.
      binaryBodies: true,
    };
    this.#gate = new PubackGate(client);
    client.on('message', (topic, _payload, packet) => this.#receive(topic, packet));
    client.on('disconnect', (packet) => {
      // MQTT 5 §3.14: the broker says why before it closes (session taken over, shutting down…).
      const code = packet.reasonCode ?? 0;
      const reason = packet.properties?.reasonString ?? `reason code ${code}`;
      this.#lost(translate(new ErrorWithReasonCode(`the broker disconnected: ${reason}`, code), endpoint, open.password));
    });
    client.on('error', (error) => this.#lost(translate(error, endpoint, open.password)));
    client.on('close', () => this.#lost(this.#closeReason()));
    this.#watchdog = startMqttWatchdog({
      heartbeatMs: open.heartbeatMs,
      lastHeardAt: () => guard.lastHeardAt,
      ping: () => client.sendPing(),
      dead: (silentMs) => guard.fail(silenceError(endpoint, silentMs, open.heartbeatMs)),
    });
  }

  // ----- publishing ------------------------------------------------------------------------------

  publish(message: OutgoingMessage, confirm: boolean): Promise<void> {
    if (this.#state !== 'open') return Promise.reject(new ConnectionError(`${this.endpoint.display}: the connection is closed`));
    let publish: Publish;
    try {
      publish = toPublish(message, confirm, this.#mode, this.#settings.queuePrefix);
    } catch (error) {
      return Promise.reject(error);
    }
    const size = publish.payload.byteLength + publishOverheadBound(publish);
    if (size > this.#maxPacketBytes) {
      return Promise.reject(new PayloadTooLargeError(size, this.#maxPacketBytes, `The MQTT packet for ${message.destination} (body, topic and properties)`));
    }
    // mqtt.js settles a QoS 0 publish as soon as mqtt-packet has the bytes, and mqtt-packet holds the
    // body itself until the next tick: the caller may reuse it before then. Its own copy goes instead.
    const payload = confirm || publish.payload !== message.bytes ? asBuffer(publish.payload) : copyBody(publish.payload);
    // mqtt.js calls back at once for a QoS 0 publish its stream took (the common case), later for one that
    // waits for the stream's 'drain' or behind its store, and for QoS 1 on the PUBACK.
    let settle: ((error: Error | undefined) => void) | undefined;
    let calledBack = false;
    let earlyError: Error | undefined;
    try {
      this.#client.publish(publish.topic, payload as Buffer, publish.options, (error) => {
        if (settle !== undefined) settle(error);
        else {
          calledBack = true;
          earlyError = error;
        }
      });
    } catch (error) {
      return Promise.reject(this.#publishError(error as Error, message.destination, size));
    }
    if (calledBack) return earlyError === undefined ? SETTLED : Promise.reject(this.#publishError(earlyError, message.destination, size));
    // Lost while mqtt.js took it: the pending ones were rejected already, and this one must not wait.
    if (this.#state !== 'open') return Promise.reject(this.#lostBeforePuback());
    return new Promise<void>((resolve, reject) => {
      this.#unconfirmed.add(reject);
      settle = (error) => {
        this.#unconfirmed.delete(reject);
        if (!error) resolve();
        else reject(this.#publishError(error, message.destination, size));
      };
    });
  }

  #publishError(error: Error, destination: string, size: number): UnifiedMqError {
    return this.#state !== 'open'
      ? this.#lostBeforePuback(error)
      : translatePublishError(error, this.endpoint, destination, size, this.#maxPacketBytes, this.#open.password);
  }

  #lostBeforePuback(cause?: Error): ConnectionError {
    return new ConnectionError(`${this.endpoint.display}: the connection was lost before the PUBACK`, cause && { cause });
  }

  // ----- subscribing -----------------------------------------------------------------------------

  async subscribe(request: SubscriptionRequest, deliver: (delivery: Delivery) => void): Promise<TransportSubscription> {
    if (this.#state !== 'open') throw new ConnectionError(`${this.endpoint.display}: the connection is closed`);
    if (request.kind === 'queue' && !this.capabilities.queues) {
      throw new UnsupportedError(
        this.#settings.protocolVersion === 5
          ? `${this.endpoint.display} has no MQTT shared subscriptions, which queues need; use the STOMP or AMQP transport for queues`
          : 'MQTT 3.1.1 has no queues; use MQTT 5 shared subscriptions (mqtt({ protocolVersion: 5 })) where the broker has them, or the STOMP or AMQP transport',
      );
    }
    if (!this.capabilities.wildcards && hasWildcards(request.destination)) {
      throw new UnsupportedError(`${this.endpoint.display} does not take wildcard subscriptions; subscribe to exact names`);
    }
    const filter = request.kind === 'queue'
      ? sharedFilter(this.#settings.queueGroup, this.#settings.queuePrefix, request.destination)
      : toFilter(request.destination);
    const route: Route = request.settle
      ? { id: request.id, deliver }
      : { id: request.id, deliver: (d) => { deliver(d); void this.ack(d); } };
    const { entry, created } = this.#table.add(filter, request.kind, matcher(request.destination), route);
    // Messages the resumed session pushed before this subscription existed go first, before newer ones.
    this.#rerouteWaiting();
    try {
      if (created) entry.ready = this.#subscribeOnWire(entry, request.destination);
      await entry.ready;
    } catch (error) {
      this.#table.remove(route.id);
      throw error;
    }
    return { unsubscribe: () => this.#unsubscribe(route.id) };
  }

  async #subscribeOnWire(entry: FilterEntry, destination: string): Promise<void> {
    // QoS 1 (§3.8.3.1): messages come at least once, and wait in the session while the client is away.
    const options = this.#identifiers ? { qos: 1 as const, properties: { subscriptionIdentifier: entry.identifier } } : { qos: 1 as const };
    let granted;
    try {
      granted = await this.#client.subscribeAsync(entry.filter, options);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (this.#state === 'open' && typeof code === 'number') throw translateSubscribeError(code, this.endpoint, destination, entry.filter, error);
      throw translate(error, this.endpoint, this.#open.password);
    }
    const refused = granted.find((g) => g.qos >= 0x80);
    if (refused) throw translateSubscribeError(refused.qos, this.endpoint, destination, entry.filter);
  }

  async #unsubscribe(routeId: string): Promise<void> {
    const emptied = this.#table.remove(routeId);
    if (emptied && this.#state === 'open') await this.#client.unsubscribeAsync(emptied.filter).catch(() => undefined);
  }

  // ----- request/reply ---------------------------------------------------------------------------

  /**
   * The reply topic `replyPrefix/CLIENT-ID`: the MQTT 5 response topic (§4.10), or the reply-to of the
   * 3.1.1 envelope. Client ids are unique per broker (§3.1.4: a second connection with the same id takes
   * the session over), so the topic is this client's alone. Replies are PUBACKed on arrival.
   */
  async openReplyAddress(deliver: (delivery: Delivery) => void): Promise<string> {
    if (this.#mode === 'none') {
      throw new UnsupportedError(
        'Request/reply needs a reply topic and a correlation id, which plain MQTT 3.1.1 cannot carry: turn the envelope on with ' +
          'mqtt({ envelope: true }) on the requesting and the serving clients, or use MQTT 5 (mqtt({ protocolVersion: 5 })) where the broker has it',
      );
    }
    // A unified name of two segments; characters that are separators or wildcards on some protocol become `_`.
    const name = `${this.#settings.replyPrefix}.${this.#open.clientId.replace(/[^A-Za-z0-9_-]/g, '_')}`;
    const request: SubscriptionRequest = { id: 'umq-replies', kind: 'topic', destination: name, prefetch: 1000, durable: undefined, settle: false };
    await this.subscribe(request, deliver);
    return name;
  }

  // ----- receiving -------------------------------------------------------------------------------

  /** Every PUBLISH from the broker ('message' fires before mqtt.js builds the PUBACK, which the gate holds). */
  #receive(topic: string, packet: IPublishPacket): void {
    const isQueue = this.capabilities.queues && topic.startsWith(this.#queueTopicPrefix);
    const destination = fromTopic(isQueue ? topic.slice(this.#queueTopicPrefix.length) : topic);
    const inbound: Inbound = { owner: this, packetId: packet.qos > 0 ? (packet.messageId ?? -1) : -1, pending: 0 };
    let delivery: Delivery | undefined;
    const identifiers = this.#identifiers ? packet.properties?.subscriptionIdentifier : undefined;
    if (identifiers !== undefined) {
      // MQTT 5: the broker names the subscriptions that matched; overlapping ones each get their copy.
      const count = typeof identifiers === 'number' ? 1 : identifiers.length;
      for (let i = 0; i < count; i++) {
        const entry = this.#table.byIdentifier(typeof identifiers === 'number' ? identifiers : identifiers[i]!);
        if (!entry) continue;
        delivery ??= toDelivery(packet, destination, this.#mode, inbound);
        inbound.pending += entry.routes.length;
        for (const route of entry.routes) route.deliver(delivery);
      }
    } else {
      for (const entry of this.#table.entries()) {
        if ((entry.kind === 'queue') !== isQueue || !entry.matches(destination)) continue;
        delivery ??= toDelivery(packet, destination, this.#mode, inbound);
        inbound.pending += entry.routes.length;
        for (const route of entry.routes) route.deliver(delivery);
      }
    }
    if (delivery === undefined && packet.qos > 0) this.#holdUnrouted(topic, packet);
  }

  #holdUnrouted(topic: string, packet: IPublishPacket): void {
    this.#unrouted.push({ topic, packet });
    this.#unroutedTimer ??= this.#startUnroutedTimer();
  }

  #startUnroutedTimer(): ReturnType<typeof setTimeout> {
    const timer = setTimeout(() => {
      this.#unroutedTimer = undefined;
      const leftovers = this.#unrouted;
      this.#unrouted = [];
      if (this.#state !== 'open') return;
      for (const { topic, packet } of leftovers) {
        this.#open.logger?.warn?.('MQTT: acknowledging a message that no subscription claims (a subscription the session kept from earlier)', { topic });
        this.#gate.release(packet.messageId!);
      }
    }, UNROUTED_GRACE_MS);
    (timer as { unref?: () => void }).unref?.();
    return timer;
  }

  /** A new subscription may claim messages that arrived before it: route them again. */
  #rerouteWaiting(): void {
    if (this.#unroutedTimer !== undefined) {
      clearTimeout(this.#unroutedTimer);
      this.#unroutedTimer = undefined;
    }
    if (this.#unrouted.length === 0) return;
    const waiting = this.#unrouted;
    this.#unrouted = [];
    for (const { topic, packet } of waiting) this.#receive(topic, packet);
  }

  ack(delivery: Delivery): Promise<void> {
    const inbound = delivery.tag as Inbound;
    // The core guards this too: a PUBACK carries a packet id that means something only on its own connection.
    if (inbound.owner !== this) return Promise.reject(new ConnectionError(`${this.endpoint.display}: this message arrived on another connection; it will be redelivered`));
    if (--inbound.pending === 0 && inbound.packetId >= 0 && this.#state === 'open') this.#gate.release(inbound.packetId);
    return SETTLED;
  }

  nack(): Promise<void> {
    return Promise.reject(new UnsupportedError('MQTT has no nack; leave the message unacked and it is redelivered when the session resumes, or use the STOMP or AMQP transport'));
  }

  // ----- the end ---------------------------------------------------------------------------------

  #closeReason(): UnifiedMqError {
    const guard = this.#guard;
    if (guard.failure) return guard.failure;
    if (guard.socketError !== undefined) return translate(guard.socketError, this.endpoint, this.#open.password);
    return new ConnectionError(`${this.endpoint.display} closed the connection`);
  }

  #release(error: UnifiedMqError): void {
    this.#watchdog.stop();
    if (this.#unroutedTimer !== undefined) clearTimeout(this.#unroutedTimer);
    this.#unrouted = [];
    for (const reject of this.#unconfirmed) reject(error);
    this.#unconfirmed.clear();
  }

  /**
   * Forgets the publishes mqtt.js still awaits a PUBACK for (their promises were rejected already). A
   * PUBACK mqtt.js had read but not yet handled when it closed its stores would otherwise find its
   * publish still pending, and throw from the closed store (an uncaught TypeError in mqtt.js 5).
   */
  #dropOutgoing(): void {
    const client = this.#client;
    const outgoing = client.outgoing as Record<string, { cmd?: string } | undefined>;
    for (const id of Object.keys(outgoing)) {
      // Only publishes: a SUBSCRIBE in flight keeps mqtt.js's own "connection closed" error.
      if (outgoing[id]?.cmd === 'publish') client.removeOutgoingMessage(Number(id));
    }
  }

  #lost(error: UnifiedMqError): void {
    if (this.#state !== 'open') return;
    this.#state = 'lost';
    this.#release(error);
    this.#dropOutgoing();
    this.#client.end(true);
    this.#open.onLost(error);
  }

  async close(): Promise<void> {
    if (this.#state !== 'open') return;
    this.#state = 'closing';
    this.#release(new ConnectionError(`${this.endpoint.display}: the connection was closed before the PUBACK`));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<void>((resolve) => { timer = setTimeout(resolve, CLOSE_TIMEOUT_MS); });
    await Promise.race([this.#endGracefully(), deadline]).catch(() => undefined);
    clearTimeout(timer);
    this.#client.end(true);
    this.#state = 'closed';
  }

  /**
   * DISCONNECT, ending the broker-side session unless the user keeps it (see keepSessionOnClose):
   * MQTT 5 sets its expiry to 0 on the way out (§3.14.2.2.2); MQTT 3.1.1 sessions never expire, so their
   * subscriptions are removed first.
   */
  async #endGracefully(): Promise<void> {
    const client = this.#client;
    // mqtt.js sends DISCONNECT only once nothing awaits an ack; the publishes were rejected already.
    this.#dropOutgoing();
    const endSession = !this.#settings.keepSessionOnClose && this.#table.size > 0;
    if (!endSession) return client.endAsync(false);
    if (this.#settings.protocolVersion === 5) return client.endAsync(false, { properties: { sessionExpiryInterval: 0 } });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const unsubscribed = await Promise.race([
      client.unsubscribeAsync(this.#table.filters()).then(() => true, () => false),
      new Promise<false>((resolve) => { timer = setTimeout(resolve, Math.min(UNSUBSCRIBE_WAIT_MS, this.#open.heartbeatMs), false); }),
    ]);
    clearTimeout(timer);
    // A broker that does not answer gets no DISCONNECT: close() drops the socket.
    if (unsubscribed) await client.endAsync(false);
  }
}
