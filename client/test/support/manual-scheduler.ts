import type { Scheduler } from '../../../common/timers.js';

/** A scheduler whose time moves only when the test says so. */
export class ManualScheduler implements Scheduler {
  private now = 0;
  private seq = 0;
  private readonly due = new Map<number, { at: number; fn: () => void }>();

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.due.set(id, { at: this.now + ms, fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    if (typeof handle === 'number') this.due.delete(handle);
  }

  /**
   * Moves time forward by `ms` with nothing run, as when a machine or a tab is frozen: the
   * timers that fell due meanwhile run at the next `advance`, late, in time order.
   */
  freeze(ms: number): void {
    this.now += ms;
  }

  /** Moves time forward by `ms`, running every timer that falls due, in time order. */
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      const next = [...this.due.entries()]
        .filter(([, t]) => t.at <= end)
        .sort(([a, x], [b, y]) => x.at - y.at || a - b)[0];
      if (!next) break;
      const [id, timer] = next;
      this.due.delete(id);
      // Overdue after a freeze, a timer runs late: time does not go back to when it was due.
      this.now = Math.max(this.now, timer.at);
      timer.fn();
    }
    this.now = end;
  }
}
