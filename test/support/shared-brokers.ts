/** The brokers started once by the global setup, for tests that inject no faults. */
import { inject } from 'vitest';
import type { BrokerInfo, BrokerKind } from './brokers.js';
import './global-setup.js';

export function sharedBroker(kind: BrokerKind): BrokerInfo {
  return inject('brokers')[kind];
}
