/**
 * Holds back PUBACKs until the application acks (MQTT 3.1.1 §4.3.2: the broker redelivers an
 * unacknowledged QoS 1 message when the session resumes).
 *
 * mqtt.js processes incoming packets strictly one at a time and sends the PUBACK from inside that
 * loop right after emitting 'message' (its `customHandleAcks` hook exists only for MQTT 5, and delaying
 * its callback would stall every later packet, PINGRESP included). Instead, the gate lets the loop run
 * on and intercepts only the outgoing PUBACK packet, which it sends on `release()`.
 * This wraps mqtt.js's internal `_sendPacket`; test/integration/mqtt-transport.test.ts pins the behaviour.
 */
import type { MqttClient } from 'mqtt';

type SendPacket = (packet: { cmd: string; messageId?: number }, cb?: (error?: Error) => void, ...rest: unknown[]) => void;

export class PubackGate {
  readonly #held = new Map<number, { cmd: string; messageId?: number }>();
  /** Acked before mqtt.js built the PUBACK ('message' fires first): send it as soon as it is built. */
  readonly #early = new Set<number>();
  readonly #send: SendPacket;

  constructor(client: MqttClient) {
    const internal = client as unknown as { _sendPacket: SendPacket };
    const original = internal._sendPacket.bind(client);
    this.#send = original;
    internal._sendPacket = (packet, cb, ...rest) => {
      if (packet.cmd === 'puback' && packet.messageId !== undefined && !this.#early.delete(packet.messageId)) {
        this.#held.set(packet.messageId, packet);
        cb?.();
        return;
      }
      if (packet.cmd === 'connect') this.#early.clear();
      original(packet, cb, ...rest);
    };
  }

  /** Sends the held PUBACK for `messageId`, if any. */
  release(messageId: number): void {
    const packet = this.#held.get(messageId);
    if (!packet) {
      this.#early.add(messageId);
      return;
    }
    this.#held.delete(messageId);
    this.#send(packet);
  }
}
