import type { RedisClient } from '../storage/redis-client.js';
import { redisCall } from '../storage/unavailable.js';

/**
 * Limits that follow a person rather than a connection: the message rate of a user across
 * all their connections (and, with Redis, all nodes), and the wait imposed on a user and
 * an address after a flood disconnect. A flooder who reconnects gets a fresh connection,
 * not a fresh allowance.
 */
export interface UserLimits {
  /** Takes one message token of this user; false when their rate is spent. */
  takeMessage(userId: string): Promise<boolean>;
  /**
   * Takes one token of an hourly allowance: `room` for opening new rooms (per user and per
   * address, both must allow it), `guest` for guest sign-ins and `signup` for new accounts
   * (per address).
   */
  takeHourly(kind: HourlyKind, keys: { userId?: string; address: string }): Promise<boolean>;
  /** A connection of this user, from this address, was cut for flooding: both wait. */
  penalise(userId: string, address: string): Promise<void>;
  /** How long new connections of this user or address must still wait, in ms (0: none). */
  penaltyLeft(userId: string, address: string): Promise<number>;
}

export type HourlyKind = 'room' | 'guest' | 'signup';

/** Allowances per hour: `room` per user and per address, `guest` and `signup` per address. */
export interface HourlyAllowances {
  roomsPerUser: number;
  roomsPerAddress: number;
  guestsPerAddress: number;
  signupsPerAddress: number;
}

/** The buckets one hourly take draws from, each with its allowance. */
function hourlyBuckets(
  kind: HourlyKind,
  keys: { userId?: string; address: string },
  hourly: HourlyAllowances,
): { key: string; perHour: number }[] {
  if (kind === 'guest')
    return [{ key: `guest:a:${keys.address}`, perHour: hourly.guestsPerAddress }];
  if (kind === 'signup')
    return [{ key: `signup:a:${keys.address}`, perHour: hourly.signupsPerAddress }];
  return [
    ...(keys.userId === undefined
      ? []
      : [{ key: `room:u:${keys.userId}`, perHour: hourly.roomsPerUser }]),
    { key: `room:a:${keys.address}`, perHour: hourly.roomsPerAddress },
  ];
}

const HOUR_MS = 3_600_000;

export interface UserLimitsOptions {
  /** Messages per second a user may send, sustained. */
  ratePerSec: number;
  /** Messages a user may send at once. */
  burst: number;
  /** How long a user and an address are refused after a flood disconnect, in ms. */
  penaltyMs: number;
  /** Clock in ms; tests drive it. */
  now: () => number;
  hourly: HourlyAllowances;
}

/** Refill is computed in floating point: half an hour of two an hour must make a whole one. */
const WHOLE = 1 - 1e-9;

/** Entries checked for eviction per call, so that idle users cost nothing for long. */
const SWEEP_EVERY = 1024;

/** One node's limits, in memory. */
export function memoryUserLimits(options: UserLimitsOptions): UserLimits {
  const { ratePerSec, burst, penaltyMs, now } = options;
  // Each bucket: tokens, when last refilled, and its rate and size (to judge it full).
  const buckets = new Map<string, { tokens: number; at: number; perMs: number; size: number }>();
  const penalties = new Map<string, number>();
  let calls = 0;

  const sweep = (t: number) => {
    if (++calls % SWEEP_EVERY !== 0) return;
    for (const [id, b] of buckets)
      if (b.tokens + (t - b.at) * b.perMs >= b.size) buckets.delete(id);
    for (const [key, until] of penalties) if (until <= t) penalties.delete(key);
  };
  const level = (key: string, perMs: number, size: number, t: number) => {
    const b = buckets.get(key) ?? { tokens: size, at: t, perMs, size };
    b.tokens = Math.min(size, b.tokens + (t - b.at) * perMs);
    b.at = t;
    buckets.set(key, b);
    return b;
  };

  return {
    takeMessage(userId) {
      const t = now();
      sweep(t);
      const b = level(`m:${userId}`, ratePerSec / 1000, burst, t);
      if (b.tokens < WHOLE) return Promise.resolve(false);
      b.tokens -= 1;
      return Promise.resolve(true);
    },
    takeHourly(kind, keys) {
      const t = now();
      sweep(t);
      const levels = hourlyBuckets(kind, keys, options.hourly).map(({ key, perHour }) =>
        level(key, perHour / HOUR_MS, perHour, t),
      );
      if (levels.some((b) => b.tokens < WHOLE)) return Promise.resolve(false);
      for (const b of levels) b.tokens -= 1;
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
  redis: RedisClient,
  prefix: string,
  options: UserLimitsOptions,
): UserLimits {
  const { ratePerSec, burst, penaltyMs, now } = options;
  const key = {
    rate: (userId: string) => `${prefix}rate:{${userId}}`,
    hourly: (bucket: string) => `${prefix}rate:{${bucket}}`,
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
    // Each bucket is checked on its own: when one refuses, the others have spent a token,
    // which errs on the side of the limit (a refused attempt still counts).
    takeHourly: (kind, keys) =>
      redisCall(async () => {
        const t = now();
        for (const { key: bucket, perHour } of hourlyBuckets(kind, keys, options.hourly)) {
          const allowed = await take.call(redis, key.hourly(bucket), t, HOUR_MS / perHour, perHour);
          if (allowed !== 1) return false;
        }
        return true;
      }),
    // The value is when the penalty ends on `now`'s clock; the key's own expiry only
    // clears it away afterwards.
    penalise: (userId, address) =>
      redisCall(async () => {
        const until = String(now() + penaltyMs);
        // Two keys in two slots on Redis Cluster, so two writes, sent together.
        await Promise.all([
          redis.set(key.user(userId), until, 'PX', penaltyMs),
          redis.set(key.address(address), until, 'PX', penaltyMs),
        ]);
      }),
    penaltyLeft: (userId, address) =>
      redisCall(async () => {
        const [user, addr] = await Promise.all([
          redis.get(key.user(userId)),
          redis.get(key.address(address)),
        ]);
        return Math.max(0, Number(user ?? 0) - now(), Number(addr ?? 0) - now());
      }),
  };
}
