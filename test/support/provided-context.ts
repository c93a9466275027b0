/**
 * The typing of what the integration project's global setup hands to test files (vitest `provide`/`inject`).
 * Tests should not call inject('brokers') themselves: use sharedBrokers() / sharedBroker() from ./shared-brokers.js.
 */
import type { BrokerInfo, BrokerKind } from './brokers.js';

/** One shared broker of each kind, started once per run by test/support/global-setup.ts. */
export type SharedBrokers = Record<BrokerKind, BrokerInfo>;

declare module 'vitest' {
  export interface ProvidedContext {
    brokers: SharedBrokers;
  }
}
