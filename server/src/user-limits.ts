import type { Redis } from 'ioredis';
import { redisCall } from './storage/unavailable.js';

/**
 * Limits that follow a person rather than a connection: the message rate of a user across
 * all their connections (and, with Redis, all nodes), and the wait imposed on a user and
 * an address after a flood disconnect. A flooder who reconnects gets a fresh connection,
 * not a fresh allowance.
 */
export interface UserLimits {
  /** Takes one message token of this user; false when their rate is spent. */
  takeMessage(userId: string): Promise<boolean>;
  /** A connection of this user, from this address, was cut for flooding: both wait. */
  penalise(userId: string, address: string): Promise<void>;
  /** How long new connections of this user or address must still wait, in ms (0: none). */
  penaltyLeft(userId: string, address: string): Promise<number>;
}

export interface UserLimitsOptions {
  /** Messages per second a user may send, sustained. */
  ratePerSec: number;
  /** Messages a user may send at once. */
  burst: number;
  /** How long a user and an address are refused after a flood disconnect, in ms. */
  penaltyMs: number;
  /** Clock in ms; tests drive it. */
  now: () => number;
}

/** Entries checked for eviction per call, so that idle users cost nothing for long. */
const SWEEP_EVERY = 1024;

/** One node's limits, in memory. */
export function memoryUserLimits(options: UserLimitsOptions): UserLimits {
  const { ratePerSec, burst, penaltyMs, now } = options;
  const buckets = new Map<string, { tokens: number; at: number }>();
  const penalties = new Map<string, number>();
  let calls = 0;

  const sweep = (t: number) => {
    if (++calls % SWEEP_EVERY !== 0) return;
    for (const [id, b] of buckets) {
      if (b.tokens + ((t - b.at) / 1000) * ratePerSec >= burst) buckets.delete(id);
    }
    for (const [key, until] of penalties) if (until <= t) penalties.delete(key);
  };

  return {
    takeMessage(userId) {
      const t = now();
      sweep(t);
      const b = buckets.get(userId) ?? { tokens: burst, at: t };
      b.tokens = Math.min(burst, b.tokens + ((t - b.at) / 1000) * ratePerSec);
      b.at = t;
      buckets.set(userId, b);
      if (b.tokens < 1) return Promise.resolve(false);
      b.tokens -= 1;
      return Promise.resolve(true);
    },
    penalise(userId, address) {
      const until = now() + penaltyMs;
      penalties.set(`u:${userId}`, until);
      penalties.set(`a:${address}`, until);
      return Promise.resolve();
    },
    penaltyLeft(userId, address) {
      const t = now();
      const until = Math.max(penalties.get(`u:${userId}`) ?? 0, penalties.get(`a:${address}`) ?? 0);
      return Promise.resolve(Math.max(0, until - t));
    },
  };
}

// GCRA (the generic cell rate algorithm): one number per user, the theoretical arrival time
// of their next message. A message is allowed when that time is no further ahead of now than
// the burst allows; the key expires once the user's allowance is full again.
// KEYS: the user's key. ARGV: now ms, ms per message, burst. Returns 1 (allowed) or 0.
const TAKE = `
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local tolerance = interval * (tonumber(ARGV[3]) - 1)
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
if tat - now > tolerance then return 0 end
local next = tat + interval
redis.call('SET', KEYS[1], tostring(next), 'PX', math.ceil(next - now))
return 1
`;

/** Limits shared by every node through Redis. */
export function redisUserLimits(
  redis: Redis,
  prefix: string,
  options: UserLimitsOptions,
): UserLimits {
  const { ratePerSec, burst, penaltyMs, now } = options;
  const key = {
    rate: (userId: string) => `${prefix}rate:{${userId}}`,
    user: (userId: string) => `${prefix}penalty:user:${userId}`,
    address: (address: string) => `${prefix}penalty:addr:${address}`,
  };
  redis.defineCommand('chatTakeMessage', { numberOfKeys: 1, lua: TAKE });
  const take = (redis as unknown as Record<string, (...args: unknown[]) => Promise<number>>)
    .chatTakeMessage as (...args: unknown[]) => Promise<number>;

  return {
    takeMessage: (userId) =>
      redisCall(async () => {
        const allowed = await take.call(redis, key.rate(userId), now(), 1000 / ratePerSec, burst);
        return allowed === 1;
      }),
    // The value is when the penalty ends on `now`'s clock; the key's own expiry only
    // clears it away afterwards.
    penalise: (userId, address) =>
      redisCall(async () => {
        const until = String(now() + penaltyMs);
        await redis
          .multi()
          .set(key.user(userId), until, 'PX', penaltyMs)
          .set(key.address(address), until, 'PX', penaltyMs)
          .exec();
      }),
    penaltyLeft: (userId, address) =>
      redisCall(async () => {
        const [user, addr] = await redis.mget(key.user(userId), key.address(address));
        return Math.max(0, Number(user ?? 0) - now(), Number(addr ?? 0) - now());
      }),
  };
}
