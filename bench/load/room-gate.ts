// Keeps a room's deliveries apart from changes of who is in it, so that the load generator
// knows exactly who should receive each message, change and typing notice.
//
// A delivery (a send, an edit, a reaction, a typing notice) is in flight from its emit to its
// ack; the server writes it to every recipient before it acks, so once acked its recipients
// are settled. A membership change (a join, a leave, a disconnect, a reconnect) is in flight
// from its emit to its ack (or, for a disconnect, until the socket is closed). While a change
// is in flight no delivery starts in the room, and a change starts only once the deliveries
// in flight have been acked: each delivery then meets a membership the generator knows.
// Changes may overlap one another; they never wait for a delivery that waits for them.

export class RoomGate {
  private inflight = 0;
  private changing = 0;
  private readonly deliveries: (() => void)[] = [];
  private readonly changes: (() => void)[] = [];

  /** Waits until no change is in flight, then counts a delivery in; resolves with the wait, in ms. */
  async enter(): Promise<number> {
    if (this.changing === 0) {
      this.inflight++;
      return 0;
    }
    const started = performance.now();
    // Woken deliveries may find a new change already started: wait again.
    while (this.changing > 0) {
      await new Promise<void>((resolve) => {
        this.deliveries.push(resolve);
      });
    }
    this.inflight++;
    return performance.now() - started;
  }

  /** The delivery was acked (or refused): its recipients are settled. */
  exit(): void {
    this.inflight--;
    if (this.inflight === 0) wake(this.changes);
  }

  /** Stops new deliveries at once, and resolves once the ones in flight are settled. */
  async hold(): Promise<void> {
    this.changing++;
    while (this.inflight > 0) {
      await new Promise<void>((resolve) => {
        this.changes.push(resolve);
      });
    }
  }

  /** The change is done: deliveries go ahead once no other change is in flight. */
  release(): void {
    this.changing--;
    if (this.changing === 0) wake(this.deliveries);
  }
}

function wake(waiting: (() => void)[]): void {
  for (const resolve of waiting.splice(0)) resolve();
}
