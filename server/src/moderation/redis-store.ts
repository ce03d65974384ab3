import type { RedisClient } from '../storage/redis-client.js';
import type { Report, ReportQuote } from '../../../common/contract.js';
import { redisCall } from '../storage/unavailable.js';
import { decodeText, encodeText } from '../storage/text-codec.js';
import {
  AUDIT_MAX,
  inForce,
  REPORTS_MAX,
  type AuditEntry,
  type ReportFiling,
  type ModerationStore,
  type RoomSettings,
  type Sanction,
} from './store.js';

// Keys (under the deployment's prefix), all of one room sharing its hash tag:
//   {room}:settings    hash: owner, private ('1' or '0'), topic, retention (days), createdAt
//   {room}:moderators  set of user ids
//   {room}:invited     set of user ids
//   {room}:bans        hash: user id → the sanction as JSON
//   {room}:mutes       hash: user id → the sanction as JSON
//   {room}:audit       list of entries as JSON, newest first, at most AUDIT_MAX
//   {room}:reports     hash: report id → the filing as JSON (ReportFiling, with its quote)
//   {room}:reports:open      sorted set of open report ids, scored by :seq when filed
//   {room}:reports:resolved  sorted set of resolved report ids, scored by :seq when resolved
//   {room}:reports:resolution  hash: report id → { by, at } as JSON
//   {room}:reports:by  hash: "<message id> <user id>" → report id (one report per user and message)
//   {room}:reports:seq counter that orders filings and resolutions
// and, in a slot of its own:
//   rooms              set of the rooms that have settings (for the directory to list)

// Creates a room's settings unless it has some: of two nodes creating one room, one wins.
// KEYS: settings. ARGV: field, value pairs. Returns 1 if created, else 0.
const CREATE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1
`;

// Changes existing settings only (HSET alone would create a room without its owner).
// KEYS: settings. ARGV: private ('1', '0', or '' to keep), '1' to change the topic, topic
// ('' removes it), retention in days ('' to keep, '0' removes it). Returns the settings as
// they are now, or nil when there are none.
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
if ARGV[4] == '0' then
  redis.call('HDEL', KEYS[1], 'retention')
elseif ARGV[4] ~= '' then
  redis.call('HSET', KEYS[1], 'retention', ARGV[4])
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

// Reports: the keys of a room's reports, in the order the scripts below take them as KEYS,
// and the Lua that forgets the oldest reports of a sorted set beyond a bound.
const REPORT_KEYS = [
  'reports',
  'reports:open',
  'reports:resolved',
  'reports:resolution',
  'reports:by',
  'reports:seq',
];
const TRIM_REPORTS = `
local function trim(set, keep)
  local over = redis.call('ZCARD', set) - keep
  if over <= 0 then return end
  for _, id in ipairs(redis.call('ZRANGE', set, 0, over - 1)) do
    local json = redis.call('HGET', KEYS[1], id)
    if json then
      local r = cjson.decode(json)
      redis.call('HDEL', KEYS[5], r.messageId .. ' ' .. r.by)
    end
    redis.call('HDEL', KEYS[1], id)
    redis.call('HDEL', KEYS[4], id)
  end
  redis.call('ZREMRANGEBYRANK', set, 0, over - 1)
end
`;

// Files a report unless this user reported this message already; then forgets the oldest
// open reports beyond the bound. ARGV: "<message id> <user id>", report id, filing JSON, bound.
// Returns {1, filing} when filed, or {0, filing, resolution or false} of the report held.
const FILE_REPORT = `${TRIM_REPORTS}
local held = redis.call('HGET', KEYS[5], ARGV[1])
if held then
  local json = redis.call('HGET', KEYS[1], held)
  if json then return {0, json, redis.call('HGET', KEYS[4], held)} end
end
local seq = redis.call('INCR', KEYS[6])
redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
redis.call('HSET', KEYS[5], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], seq, ARGV[2])
trim(KEYS[2], tonumber(ARGV[4]))
return {1, ARGV[3]}
`;

// Resolves an open report once: of two moderators at once, the first is recorded and the
// second gets the report as the first left it. ARGV: report id, resolution JSON, bound.
// Returns {filing, resolution}, or nil when the room holds no such report.
const RESOLVE_REPORT = `${TRIM_REPORTS}
local json = redis.call('HGET', KEYS[1], ARGV[1])
if not json then return false end
if redis.call('ZREM', KEYS[2], ARGV[1]) == 1 then
  redis.call('HSET', KEYS[4], ARGV[1], ARGV[2])
  redis.call('ZADD', KEYS[3], redis.call('INCR', KEYS[6]), ARGV[1])
  trim(KEYS[3], tonumber(ARGV[3]))
end
return {json, redis.call('HGET', KEYS[4], ARGV[1])}
`;

// One set's reports, newest first, read at once. KEYS: reports, the set, resolution.
// Returns filing, resolution (or false) pairs.
const LIST_REPORTS = `
local out = {}
for _, id in ipairs(redis.call('ZREVRANGE', KEYS[2], 0, -1)) do
  local json = redis.call('HGET', KEYS[1], id)
  if json then
    out[#out + 1] = json
    out[#out + 1] = redis.call('HGET', KEYS[3], id)
  end
end
return out
`;

// The scripts read sanctions and filings with cjson, which refuses the escapes JSON.stringify
// writes for a lone surrogate: their free texts go through the text codec, which leaves none.
const sanctionJson = (s: Sanction): string =>
  JSON.stringify(s.reason === undefined ? s : { ...s, reason: encodeText(s.reason) });
const toSanction = (json: string): Sanction => {
  const s = JSON.parse(json) as Sanction;
  return s.reason === undefined ? s : { ...s, reason: decodeText(s.reason) };
};
const quoteThrough = (quote: ReportQuote, code: (text: string) => string): ReportQuote => ({
  author: { ...quote.author, name: code(quote.author.name) },
  text: code(quote.text),
});
const filingJson = (f: ReportFiling): string =>
  JSON.stringify({
    id: f.id,
    messageId: f.messageId,
    by: f.by,
    reason: encodeText(f.reason),
    at: f.at,
    ...(f.quote ? { quote: quoteThrough(f.quote, encodeText) } : {}),
  } satisfies ReportFiling);
const toFiling = (json: string): ReportFiling => {
  const f = JSON.parse(json) as ReportFiling;
  return {
    ...f,
    reason: decodeText(f.reason),
    ...(f.quote ? { quote: quoteThrough(f.quote, decodeText) } : {}),
  };
};

const toReport = (room: string, filing: string, resolution: string | null | undefined): Report => ({
  ...toFiling(filing),
  room,
  ...(resolution ? { resolved: JSON.parse(resolution) as { by: string; at: number } } : {}),
});

/** How long after its end a sanction may still be held in Redis, in ms. */
const SANCTION_GRACE_MS = 60_000;

const toSettings = (h: Record<string, string>): RoomSettings | undefined =>
  h.createdAt === undefined
    ? undefined
    : {
        ...(h.owner === undefined ? {} : { owner: h.owner }),
        private: h.private === '1',
        ...(h.topic === undefined ? {} : { topic: decodeText(h.topic) }),
        ...(h.retention === undefined ? {} : { retentionDays: Number(h.retention) }),
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
// eslint-disable-next-line max-lines-per-function -- a factory of small closures (its methods), each well under the limit
export function createRedisModeration(redis: RedisClient, prefix: string): ModerationStore {
  const key = (room: string, what: string) => `${prefix}{${room}}:${what}`;
  const roomsKey = `${prefix}rooms`;

  const reportKeys = (room: string) => REPORT_KEYS.map((what) => key(room, what));

  const setSanction = (kind: Kind, room: string, userId: string, json: string) =>
    redisCall(async () => {
      await redis.eval(SANCTION, 1, key(room, kind), userId, json, SANCTION_GRACE_MS);
    });
  const sanctionOf = (kind: Kind, room: string, userId: string, now: number) =>
    redisCall(async () => {
      const json = await redis.hget(key(room, kind), userId);
      return inForce(json === null ? undefined : toSanction(json), now);
    });

  return {
    create: (room, s) =>
      redisCall(async () => {
        const fields = [
          'private',
          s.private ? '1' : '0',
          'createdAt',
          String(s.createdAt),
          ...(s.retentionDays === undefined ? [] : ['retention', String(s.retentionDays)]),
          ...(s.owner === undefined ? [] : ['owner', s.owner]),
          ...(s.topic === undefined ? [] : ['topic', encodeText(s.topic)]),
        ];
        // Listed first, created second: the set sits in another slot, so the two cannot be
        // one script, and a room listed without settings (a failed creation) is harmless
        // where a created room missing from the directory is not.
        await redis.sadd(roomsKey, room);
        return (await redis.eval(CREATE, 1, key(room, 'settings'), ...fields)) === 1;
      }),
    settings: (room) =>
      redisCall(async () => toSettings(await redis.hgetall(key(room, 'settings')))),
    rooms: () => redisCall(() => redis.smembers(roomsKey)),
    update: (room, change) =>
      redisCall(async () => {
        const privacy = change.private === undefined ? '' : change.private ? '1' : '0';
        const reply = (await redis.eval(
          UPDATE,
          1,
          key(room, 'settings'),
          privacy,
          change.topic === undefined ? '0' : '1',
          encodeText(change.topic ?? ''),
          change.retentionDays === undefined ? '' : String(change.retentionDays ?? 0),
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
    ban: (room, userId, sanction) => setSanction('bans', room, userId, sanctionJson(sanction)),
    unban: (room, userId) => setSanction('bans', room, userId, ''),
    banOf: (room, userId, now) => sanctionOf('bans', room, userId, now),
    mute: (room, userId, sanction) => setSanction('mutes', room, userId, sanctionJson(sanction)),
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
    report: (room, filing) =>
      redisCall(async () => {
        const [created, json, resolution] = (await redis.eval(
          FILE_REPORT,
          6,
          ...reportKeys(room),
          `${filing.messageId} ${filing.by}`,
          filing.id,
          filingJson(filing),
          REPORTS_MAX,
        )) as [number, string, string | null | undefined];
        return { report: toReport(room, json, resolution), created: created === 1 };
      }),
    reports: (room, open) =>
      redisCall(async () => {
        const set = key(room, open ? 'reports:open' : 'reports:resolved');
        const flat = (await redis.eval(
          LIST_REPORTS,
          3,
          key(room, 'reports'),
          set,
          key(room, 'reports:resolution'),
        )) as (string | null)[];
        const reports: Report[] = [];
        for (let i = 0; i + 1 < flat.length; i += 2) {
          reports.push(toReport(room, flat[i] as string, flat[i + 1]));
        }
        return reports;
      }),
    resolve: (room, reportId, by, at) =>
      redisCall(async () => {
        const reply = (await redis.eval(
          RESOLVE_REPORT,
          6,
          ...reportKeys(room),
          reportId,
          JSON.stringify({ by, at }),
          REPORTS_MAX,
        )) as [string, string] | null;
        return reply === null ? undefined : toReport(room, reply[0], reply[1]);
      }),
    forget: (room) =>
      redisCall(async () => {
        await redis.del(
          ...['settings', 'moderators', 'invited', 'bans', 'mutes', 'audit'].map((what) =>
            key(room, what),
          ),
          ...reportKeys(room),
        );
        await redis.srem(roomsKey, room);
      }),
  };
}
