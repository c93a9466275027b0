/**
 * One write per turn of the event loop for a Node socket. rhea and stompjs write every frame on its own,
 * many in one turn under load (one per message received, one per message sent). The sockets run with no
 * delay, which the small frames (acks, flows, heartbeats) need when they come alone; but then each write
 * would leave as a packet of its own, at the cost of a system call and, on the broker, a read. Corked
 * until the turn is over (setImmediate: after the I/O callbacks of this turn and their ticks), they leave
 * in one writev. Unlike Nagle's algorithm this never waits for the peer.
 *
 * Once the corked bytes fill the socket's buffer (socket.write says false), they leave at once: holding a
 * large body, or a long burst, to the end of the turn would only delay the writer's 'drain'.
 */
import type { Writable } from 'node:stream';

/** `write` for `socket`: what is written in one turn leaves together, at its end. False as socket.write. */
export function tickWriter(socket: Writable): (bytes: Uint8Array | string) => boolean {
  let scheduled = false;
  const uncork = () => {
    if (socket.writableCorked > 0) socket.uncork();
  };
  const atTurnEnd = () => {
    scheduled = false;
    uncork();
  };
  return (bytes) => {
    if (socket.writableCorked === 0) {
      socket.cork();
      // One per turn, also when a full buffer uncorked early and the next write corks again.
      if (!scheduled) {
        scheduled = true;
        setImmediate(atTurnEnd);
      }
    }
    const room = socket.write(bytes);
    if (!room) uncork();
    return room;
  };
}
