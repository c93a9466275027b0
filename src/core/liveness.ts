/**
 * What counts as a sign of life from a peer, for the transports' heartbeat watchdogs: a whole frame
 * (a heartbeat frame or EOL included), or PROGRESS_BYTES more of the frame being received. Not any byte:
 * a peer that trickles a frame one byte a second (slowloris) would otherwise hold a connection open for
 * ever without ever delivering anything, past any heartbeat bound. A large frame arriving over a slow
 * link stays alive as long as it moves at least PROGRESS_BYTES per heartbeat period.
 */
export const PROGRESS_BYTES = 1024;

export class Liveness {
  /** Date.now() of the last sign of life. */
  lastHeardAt = Date.now();
  #framesSeen = 0;
  #bytesSinceSign = 0;

  /** Call with every chunk: `framesCompleted` is the scanner's running count of whole frames. */
  note(framesCompleted: number, bytes: number): void {
    this.#bytesSinceSign += bytes;
    if (framesCompleted !== this.#framesSeen || this.#bytesSinceSign >= PROGRESS_BYTES) {
      this.#framesSeen = framesCompleted;
      this.#bytesSinceSign = 0;
      this.lastHeardAt = Date.now();
    }
  }
}
