/**
 * One write per tick for a Node socket. rhea and stompjs write every frame on its own, many in one tick
 * under load: with no delay (which the small frames, acks, flows and heartbeats, need), each would leave as
 * a packet of its own and cost a system call. Corked until the tick is over, they leave in one writev.
 */
import type { Writable } from 'node:stream';

/** `write` for `socket`: what is written in one tick leaves together, once the tick is over. */
export function tickWriter(socket: Writable): (bytes: Uint8Array | string) => void {
  let corked = false;
  const uncork = () => {
    corked = false;
    socket.uncork();
  };
  return (bytes) => {
    if (!corked) {
      corked = true;
      socket.cork();
      process.nextTick(uncork);
    }
    socket.write(bytes);
  };
}
