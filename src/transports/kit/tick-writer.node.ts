/**
 * One write per turn of the event loop for a Node socket. rhea and stompjs write every frame on its own,
 * many in one turn under load (one per message received, one per message sent), and mqtt-packet every
 * tick's packets. The sockets run with no delay, which the small frames (acks, flows, heartbeats) need
 * when they come alone; but then each write would leave as a packet of its own, at the cost of a system
 * call and, on the broker, a read. Corked until the turn is over (setImmediate: after the I/O callbacks of
 * this turn and their ticks), they leave in one writev. Unlike Nagle's algorithm this never waits for the
 * peer.
 *
 * Held writes leave at once
 * - when they fill their socket's buffer (socket.write says false): holding a large body, or a long burst,
 *   to the end of the turn would only delay the writer's 'drain';
 * - when the process has read READ_BOUND bytes, on any socket that writes through here, since they were
 *   held. One turn can read megabytes (libuv reads a ready socket up to 32 times over), and what it reads
 *   is what the held writes answer: the acks for the messages read (Mosquitto lets a consumer hold only
 *   20 unacknowledged), or the next publishes once a consumer has taken the last ones. Held behind the
 *   whole read, they would leave the peer idle. Small messages still share one write per READ_BOUND read.
 */
import type { Duplex, Writable } from 'node:stream';

/** How much the process may read while a write is held back. */
export const READ_BOUND = 16 * 1024;

/** Sockets holding writes, and what was read since the first of them began to hold. */
const holding = new Set<Writable>();
let readWhileHolding = 0;
let scheduled = false;

function release(socket: Writable): void {
  holding.delete(socket);
  if (socket.writableCorked > 0) socket.uncork();
}

function releaseAll(): void {
  for (const socket of holding) release(socket);
}

function atTurnEnd(): void {
  scheduled = false;
  releaseAll();
}

function noteRead(chunk: { length: number }): void {
  if (holding.size === 0) return;
  readWhileHolding += chunk.length;
  if (readWhileHolding >= READ_BOUND) releaseAll();
}

/** `write` for `socket`: what is written in one turn leaves together, at its end. False as socket.write. */
export function tickWriter(socket: Writable | Duplex): (bytes: Uint8Array | string) => boolean {
  socket.on('data', noteRead);
  return (bytes) => {
    if (socket.writableCorked === 0) {
      socket.cork();
      if (holding.size === 0) readWhileHolding = 0;
      holding.add(socket);
      // One per turn for all sockets, also when held writes left early and the next write holds again.
      if (!scheduled) {
        scheduled = true;
        setImmediate(atTurnEnd);
      }
    }
    const room = socket.write(bytes);
    if (!room) release(socket);
    return room;
  };
}
