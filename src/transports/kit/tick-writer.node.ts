/**
 * One write per turn of the event loop for a Node socket. rhea and stompjs write every frame on its own,
 * many in one turn under load (one per message received, one per message sent), and mqtt-packet every
 * tick's packets. The sockets run with no delay, which the small frames (acks, flows, heartbeats) need
 * when they come alone; but then each write would leave as a packet of its own, at the cost of a system
 * call and, on the broker, a read. Corked until the turn is over (setImmediate: after the I/O callbacks of
 * this turn and their ticks), they leave in one writev. Unlike Nagle's algorithm this never waits for the
 * peer.
 *
 * The corked bytes leave at once
 * - when they fill the socket's buffer (socket.write says false): holding a large body, or a long burst, to
 *   the end of the turn would only delay the writer's 'drain';
 * - when the socket has read READ_BOUND bytes since they were corked. One turn can read megabytes (libuv
 *   reads a ready socket up to 32 times over), and an ack held behind all of them stalls a broker that lets
 *   a consumer hold only a few messages unacknowledged (Mosquitto: 20). Small messages still share one
 *   write per READ_BOUND read; large ones have theirs acked as soon as the next chunk comes in.
 */
import type { Duplex, Writable } from 'node:stream';

/** How much the socket may read while a write is held back. */
export const READ_BOUND = 16 * 1024;

/** `write` for `socket`: what is written in one turn leaves together, at its end. False as socket.write. */
export function tickWriter(socket: Writable | Duplex): (bytes: Uint8Array | string) => boolean {
  let scheduled = false;
  let readWhileCorked = 0;
  const uncork = () => {
    if (socket.writableCorked > 0) socket.uncork();
  };
  const atTurnEnd = () => {
    scheduled = false;
    uncork();
  };
  socket.on('data', (chunk: { length: number }) => {
    if (socket.writableCorked === 0) return;
    readWhileCorked += chunk.length;
    if (readWhileCorked >= READ_BOUND) uncork();
  });
  return (bytes) => {
    if (socket.writableCorked === 0) {
      socket.cork();
      readWhileCorked = 0;
      // One per turn, also when the corked bytes left early and the next write corks again.
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
