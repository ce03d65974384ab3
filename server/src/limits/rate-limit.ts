// Classes rather than closures: every connection holds these, and an object whose methods
// sit on a prototype takes less memory than closures made for each one.

/** A token bucket refilled continuously at `ratePerSec`, holding at most `burst` tokens. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly ratePerSec: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** Takes one token; false when the bucket is empty. */
  take(): boolean {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.ratePerSec);
    this.last = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** Counts rate-limit strikes in a sliding window: a client that keeps flooding is cut off. */
export class StrikeCounter {
  /** Strike times in the window. */
  private readonly times: number[] = [];

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records one strike; true when `limit` strikes fell within the window. */
  strike(): boolean {
    const t = this.now();
    const times = this.times;
    times.push(t);
    while (times.length > 0 && (times[0] ?? t) <= t - this.windowMs) times.shift();
    return times.length >= this.limit;
  }
}

export const createTokenBucket = (
  ratePerSec: number,
  burst: number,
  now: () => number = Date.now,
): TokenBucket => new TokenBucket(ratePerSec, burst, now);

export const createStrikeCounter = (
  limit: number,
  windowMs: number,
  now: () => number = Date.now,
): StrikeCounter => new StrikeCounter(limit, windowMs, now);
