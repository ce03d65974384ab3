/** The timer functions the chat core uses; tests pass a scheduler they drive themselves. */
export interface Scheduler {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realScheduler: Scheduler = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

export interface Timer {
  cancel(): void;
}

/**
 * Every timer one owner starts, so that `clear()` stops them all: a stopped chat leaves no
 * callback behind to fire into a dead connection.
 */
export class Timers {
  private readonly live = new Set<Timer>();

  constructor(private readonly scheduler: Scheduler = realScheduler) {}

  /** Number of timers waiting to fire. */
  get size(): number {
    return this.live.size;
  }

  /** Runs `fn` once after `ms` milliseconds. */
  after(ms: number, fn: () => void): Timer {
    const timer: Timer = {
      cancel: () => {
        this.scheduler.clearTimeout(handle);
        this.live.delete(timer);
      },
    };
    const handle = this.scheduler.setTimeout(() => {
      this.live.delete(timer);
      fn();
    }, ms);
    this.live.add(timer);
    return timer;
  }

  /**
   * Runs `fn` once `ms` milliseconds have passed in `steps` timer turns, so that a freeze of
   * this side (a loaded machine, a throttled tab) counts as one step, not as all of `ms`:
   * timers that fall due in a freeze run before the input that arrived meanwhile is read, and
   * a wait that ended in one would be over before its answer, already there, was seen.
   */
  afterRunning(ms: number, fn: () => void, steps = 5): Timer {
    let current: Timer | undefined;
    const timer: Timer = {
      cancel: () => {
        current?.cancel();
        this.live.delete(timer);
      },
    };
    const step = (left: number) => {
      current = this.after(ms / steps, () => {
        if (left > 1) step(left - 1);
        else {
          this.live.delete(timer);
          fn();
        }
      });
    };
    step(Math.max(1, steps));
    this.live.add(timer);
    return timer;
  }

  /** Runs `fn` every `ms` milliseconds until cancelled. */
  every(ms: number, fn: () => void): Timer {
    let handle: unknown;
    const timer: Timer = {
      cancel: () => {
        this.scheduler.clearTimeout(handle);
        this.live.delete(timer);
      },
    };
    const schedule = () => {
      handle = this.scheduler.setTimeout(() => {
        schedule();
        fn();
      }, ms);
    };
    schedule();
    this.live.add(timer);
    return timer;
  }

  clear(): void {
    for (const timer of [...this.live]) timer.cancel();
  }
}
