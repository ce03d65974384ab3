export interface TokenBucket {
  /** Takes one token; false when the bucket is empty. */
  take(): boolean;
}

/** A token bucket refilled continuously at `ratePerSec`, holding at most `burst` tokens. */
export function createTokenBucket(
  ratePerSec: number,
  burst: number,
  now: () => number = Date.now,
): TokenBucket {
  let tokens = burst;
  let last = now();
  return {
    take() {
      const t = now();
      tokens = Math.min(burst, tokens + ((t - last) / 1000) * ratePerSec);
      last = t;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
  };
}

export interface StrikeCounter {
  /** Records one strike; true when `limit` strikes fell within the window. */
  strike(): boolean;
}

/** Counts rate-limit strikes in a sliding window: a client that keeps flooding is cut off. */
export function createStrikeCounter(
  limit: number,
  windowMs: number,
  now: () => number = Date.now,
): StrikeCounter {
  const times: number[] = [];
  return {
    strike() {
      const t = now();
      times.push(t);
      while (times.length > 0 && (times[0] ?? t) <= t - windowMs) times.shift();
      return times.length >= limit;
    },
  };
}
