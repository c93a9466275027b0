/**
 * The brokers the global setup started once for the whole run, for tests that inject no faults.
 * Tests that kill, pause or partition a broker must start their own (./brokers.js) and dispose of it.
 *
 *   const { activemq, rabbitmq, mosquitto } = sharedBrokers();
 *   rabbitmq.endpoints.amqp      // 'amqp://127.0.0.1:32773'
 *   sharedBroker('mosquitto').endpoints.mqtt
 */
import { inject } from 'vitest';
import type { BrokerInfo, BrokerKind } from './brokers.js';
import type { SharedBrokers } from './provided-context.js';

export type { SharedBrokers } from './provided-context.js';

export function sharedBrokers(): SharedBrokers {
  const brokers = inject('brokers');
  if (!brokers) {
    throw new Error("No shared brokers were provided: run this file in the 'integration' project (npx vitest run --project integration …), whose global setup starts them.");
  }
  return brokers;
}

export function sharedBroker(kind: BrokerKind): BrokerInfo {
  return sharedBrokers()[kind];
}
