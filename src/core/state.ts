/** The client's connection states and the only transitions between them. */
import type { ClientState } from './types.js';

const TRANSITIONS: Readonly<Record<ClientState, readonly ClientState[]>> = {
  connecting: ['connected', 'closed'],
  connected: ['reconnecting', 'closed'],
  reconnecting: ['connected', 'closed'],
  closed: [],
};

export function canTransition(from: ClientState, to: ClientState): boolean {
  return TRANSITIONS[from].includes(to);
}
