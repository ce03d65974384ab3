/**
 * Counts failed sign-ins per key (a username, a client address) in a sliding window; a key
 * with `limit` failures in the window is refused until the oldest falls out of it.
 */
export interface LoginThrottle {
  /** True when this key may try again now. */
  allowed(key: string): boolean;
  failed(key: string): void;
  /** A successful sign-in clears the key's failures. */
  succeeded(key: string): void;
}

export function createLoginThrottle(
  limit: number,
  windowMs: number,
  now: () => number,
): LoginThrottle {
  const failures = new Map<string, number[]>();
  const recent = (key: string): number[] => {
    const cutoff = now() - windowMs;
    const times = (failures.get(key) ?? []).filter((t) => t > cutoff);
    if (times.length === 0) failures.delete(key);
    else failures.set(key, times);
    return times;
  };
  return {
    allowed: (key) => recent(key).length < limit,
    failed(key) {
      failures.set(key, [...recent(key), now()]);
      // Bounded memory: an attacker cycling through names cannot grow the map forever.
      if (failures.size > 100_000) failures.delete(failures.keys().next().value ?? '');
    },
    succeeded(key) {
      failures.delete(key);
    },
  };
}
