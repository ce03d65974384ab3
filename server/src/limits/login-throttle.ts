import type { RedisClient } from '../storage/redis-client.js';
import { redisCall } from '../storage/unavailable.js';

/**
 * Counts failed sign-ins per key (a username, a client address) in a sliding window; a key
 * with `limit` failures in the window is refused until the oldest falls out of it.
 */
export interface LoginThrottle {
  /** True when this key may try again now. */
  allowed(key: string): Promise<boolean>;
  failed(key: string): Promise<void>;
  /** A successful sign-in clears the key's failures. */
  succeeded(key: string): Promise<void>;
}

export interface ThrottleOptions {
  /** Names the counter (`username`, `address`), so that counters of one store stay apart. */
  name: string;
  limit: number;
  windowMs: number;
  now: () => number;
}

export type ThrottleFactory = (options: ThrottleOptions) => LoginThrottle;

/** Failures counted in this process: right for a node alone, whatever its store. */
export const memoryThrottle: ThrottleFactory = ({ limit, windowMs, now }) => {
  const failures = new Map<string, number[]>();
  const recent = (key: string): number[] => {
    const cutoff = now() - windowMs;
    const times = (failures.get(key) ?? []).filter((t) => t > cutoff);
    if (times.length === 0) failures.delete(key);
    else failures.set(key, times);
    return times;
  };
  return {
    allowed: (key) => Promise.resolve(recent(key).length < limit),
    failed(key) {
      failures.set(key, [...recent(key), now()]);
      // Bounded memory: an attacker cycling through names cannot grow the map forever.
      if (failures.size > 100_000) failures.delete(failures.keys().next().value ?? '');
      return Promise.resolve();
    },
    succeeded(key) {
      failures.delete(key);
      return Promise.resolve();
    },
  };
};

/**
 * Failures counted in Redis, so that the nodes of a cluster share one count: three nodes
 * must not mean three times the guesses. One sorted set per key, scored by time.
 */
export const redisThrottle =
  (redis: RedisClient, prefix: string): ThrottleFactory =>
  ({ name, limit, windowMs, now }) => {
    const keyOf = (key: string) => `${prefix}login-failures:${name}:${key}`;
    let seq = 0;
    return {
      allowed: (key) =>
        redisCall(async () => {
          const k = keyOf(key);
          await redis.zremrangebyscore(k, '-inf', now() - windowMs);
          return (await redis.zcard(k)) < limit;
        }),
      failed: (key) =>
        redisCall(async () => {
          const at = now();
          await redis
            .multi()
            .zadd(keyOf(key), at, `${at}:${process.pid}:${seq++}:${Math.random()}`)
            .pexpire(keyOf(key), windowMs)
            .exec();
        }),
      succeeded: (key) =>
        redisCall(async () => {
          await redis.del(keyOf(key));
        }),
    };
  };
