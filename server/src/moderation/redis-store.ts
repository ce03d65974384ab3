import type { Redis } from 'ioredis';
import { redisCall } from '../storage/unavailable.js';
import {
  AUDIT_MAX,
  inForce,
  type AuditEntry,
  type ModerationStore,
  type RoomSettings,
  type Sanction,
} from './store.js';

// Keys (under the deployment's prefix), all of one room sharing its hash tag:
//   {room}:settings    hash: owner, private ('1' or '0'), topic, createdAt
//   {room}:moderators  set of user ids
//   {room}:invited     set of user ids
//   {room}:bans        hash: user id → the sanction as JSON
//   {room}:mutes       hash: user id → the sanction as JSON
//   {room}:audit       list of entries as JSON, newest first, at most AUDIT_MAX

// Creates a room's settings unless it has some: of two nodes creating one room, one wins.
// KEYS: settings. ARGV: field, value pairs. Returns 1 if created, else 0.
const CREATE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1
`;

// Changes existing settings only (HSET alone would create a room without its owner).
// KEYS: settings. ARGV: private ('1', '0', or '' to keep), '1' to change the topic, topic
// ('' removes it). Returns the settings as they are now, or nil when there are none.
const UPDATE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
if ARGV[1] ~= '' then redis.call('HSET', KEYS[1], 'private', ARGV[1]) end
if ARGV[2] == '1' then
  if ARGV[3] == '' then
    redis.call('HDEL', KEYS[1], 'topic')
  else
    redis.call('HSET', KEYS[1], 'topic', ARGV[3])
  end
end
return redis.call('HGETALL', KEYS[1])
`;

// Sets or lifts one user's ban or mute, then tidies the room's hash: sanctions that ended
// more than a grace ago by Redis's clock are removed, and the hash expires (PEXPIREAT) when
// the last sanction it holds ends, or never while one lasts until lifted. Whether a sanction
// is in force is still decided on the caller's clock; the grace keeps a node whose clock is a
// little behind Redis's from losing one early. Costs one pass over the room's sanctions,
// which are few, on each ban or unban only.
// KEYS: bans or mutes hash. ARGV: user id, sanction JSON ('' lifts it), grace ms.
const SANCTION = `
local key = KEYS[1]
if ARGV[2] == '' then
  redis.call('HDEL', key, ARGV[1])
else
  redis.call('HSET', key, ARGV[1], ARGV[2])
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local grace = tonumber(ARGV[3])
local forever = false
local last = nil
local fields = redis.call('HGETALL', key)
for i = 1, #fields, 2 do
  local ends = cjson.decode(fields[i + 1])['until']
  if type(ends) ~= 'number' then
    forever = true
  elseif ends + grace <= now then
    redis.call('HDEL', key, fields[i])
  elseif not last or ends > last then
    last = ends
  end
end
if forever then
  redis.call('PERSIST', key)
elseif last then
  redis.call('PEXPIREAT', key, string.format('%.0f', last + grace))
end
`;

/** How long after its end a sanction may still be held in Redis, in ms. */
const SANCTION_GRACE_MS = 60_000;

const toSettings = (h: Record<string, string>): RoomSettings | undefined =>
  h.createdAt === undefined
    ? undefined
    : {
        ...(h.owner === undefined ? {} : { owner: h.owner }),
        private: h.private === '1',
        ...(h.topic === undefined ? {} : { topic: h.topic }),
        createdAt: Number(h.createdAt),
      };

/** HGETALL's reply inside a script: field, value, field, value… */
const fromPairs = (flat: string[]): Record<string, string> => {
  const h: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) h[flat[i] as string] = flat[i + 1] as string;
  return h;
};

type Kind = 'bans' | 'mutes';

/**
 * Moderation in Redis, so that every node of a cluster sees the same owners, bans and mutes.
 * Each call touches the keys of a single room (a single slot on Redis Cluster); every
 * change that reads before it writes runs in a script.
 */
export function createRedisModeration(redis: Redis, prefix: string): ModerationStore {
  const key = (room: string, what: string) => `${prefix}{${room}}:${what}`;

  const setSanction = (kind: Kind, room: string, userId: string, json: string) =>
    redisCall(async () => {
      await redis.eval(SANCTION, 1, key(room, kind), userId, json, SANCTION_GRACE_MS);
    });
  const sanctionOf = (kind: Kind, room: string, userId: string, now: number) =>
    redisCall(async () => {
      const json = await redis.hget(key(room, kind), userId);
      return inForce(json === null ? undefined : (JSON.parse(json) as Sanction), now);
    });

  return {
    create: (room, s) =>
      redisCall(async () => {
        const fields = [
          'private',
          s.private ? '1' : '0',
          'createdAt',
          String(s.createdAt),
          ...(s.owner === undefined ? [] : ['owner', s.owner]),
          ...(s.topic === undefined ? [] : ['topic', s.topic]),
        ];
        return (await redis.eval(CREATE, 1, key(room, 'settings'), ...fields)) === 1;
      }),
    settings: (room) =>
      redisCall(async () => toSettings(await redis.hgetall(key(room, 'settings')))),
    update: (room, change) =>
      redisCall(async () => {
        const privacy = change.private === undefined ? '' : change.private ? '1' : '0';
        const reply = (await redis.eval(
          UPDATE,
          1,
          key(room, 'settings'),
          privacy,
          change.topic === undefined ? '0' : '1',
          change.topic ?? '',
        )) as string[] | null;
        return reply === null ? undefined : toSettings(fromPairs(reply));
      }),
    moderators: (room) => redisCall(() => redis.smembers(key(room, 'moderators'))),
    setRole: (room, userId, role) =>
      redisCall(async () => {
        if (role === 'moderator') await redis.sadd(key(room, 'moderators'), userId);
        else await redis.srem(key(room, 'moderators'), userId);
      }),
    invite: (room, userId) =>
      redisCall(async () => {
        await redis.sadd(key(room, 'invited'), userId);
      }),
    isInvited: (room, userId) =>
      redisCall(async () => (await redis.sismember(key(room, 'invited'), userId)) === 1),
    ban: (room, userId, sanction) => setSanction('bans', room, userId, JSON.stringify(sanction)),
    unban: (room, userId) => setSanction('bans', room, userId, ''),
    banOf: (room, userId, now) => sanctionOf('bans', room, userId, now),
    mute: (room, userId, sanction) => setSanction('mutes', room, userId, JSON.stringify(sanction)),
    unmute: (room, userId) => setSanction('mutes', room, userId, ''),
    muteOf: (room, userId, now) => sanctionOf('mutes', room, userId, now),
    record: (room, entry) =>
      redisCall(async () => {
        const results = await redis
          .multi()
          .lpush(key(room, 'audit'), JSON.stringify(entry))
          .ltrim(key(room, 'audit'), 0, AUDIT_MAX - 1)
          .exec();
        // EXEC reports each command's own error in its reply instead of failing.
        const failed = results?.find(([err]) => err)?.[0];
        if (failed) throw failed;
      }),
    audit: (room, limit) =>
      redisCall(async () => {
        // LRANGE 0 -1 would be the whole list: a limit of 0 or less asks for nothing.
        const count = Math.floor(limit);
        if (count <= 0) return [];
        const entries = await redis.lrange(key(room, 'audit'), 0, count - 1);
        return entries.map((json) => JSON.parse(json) as AuditEntry);
      }),
    forget: (room) =>
      redisCall(async () => {
        await redis.del(
          ...['settings', 'moderators', 'invited', 'bans', 'mutes', 'audit'].map((what) =>
            key(room, what),
          ),
        );
      }),
  };
}
