import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Message } from '../../../common/contract.js';
import { redisCall } from '../storage/unavailable.js';
import {
  authorOf,
  dedupScope,
  InvalidCursorError,
  parseId,
  type AppendInput,
  type AppendResult,
  type HistoryStore,
  type HistoryStoreOptions,
  type Page,
  type Replay,
} from './store.js';

/** Redis keeps time and trims approximately (`MAXLEN ~`), so `now` is not used. */
export interface RedisStoreOptions extends Omit<HistoryStoreOptions, 'now'> {
  /** Key prefix, so that several deployments or test runs can share one Redis. */
  prefix?: string;
}

// Stores a message unless this author already sent this clientId to the room, atomically:
// two nodes handling retries of one message at once still store it once. The dedup entry
// keeps the whole message, so a retry gets it back even after the stream was trimmed.
// Each entry also records the id before it (`p`): after any trim, the first entry held
// names the newest one trimmed, which is what proving continuity needs (below).
// A bot's messages (the push API) carry `b` = 1; `u` is the author's id, `g` = 1 a guest.
// KEYS: stream, dedup key.
// ARGV: maxlen, ttl ms, author name, text, origin, bot (1 or 0), author id, guest (1 or 0).
const APPEND = `
local seen = redis.call('GET', KEYS[2])
if seen then return {0, seen} end
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local prev = ''
if last[1] then prev = last[1][1] end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*',
  'a', ARGV[3], 't', ARGV[4], 'p', prev, 'b', ARGV[6], 'u', ARGV[7], 'g', ARGV[8])
local stored = cjson.encode({id = id, a = ARGV[3], t = ARGV[4], o = ARGV[5], b = ARGV[6],
  u = ARGV[7], g = ARGV[8]})
redis.call('SET', KEYS[2], stored, 'PX', ARGV[2])
return {1, stored, prev}
`;

// Every entry after an id, or a gap when continuity from it cannot be proved: the id must
// still be in the stream, or be exactly the newest id trimmed away (the first entry's `p`).
// A stream Redis lost, or started afresh, does not hold the client's id, so the loss is
// reported rather than skipped.
// A gap reports whether `since` is older than the newest id trimmed (it was trimmed away)
// or unknown to the stream altogether.
// KEYS: stream. ARGV: since, max count. Returns {known, entries, olderCount, trimmed}.
const AFTER = `
local function older(a, b)
  local am, as = string.match(a, '^(%d+)-(%d+)$')
  local bm, bs = string.match(b, '^(%d+)-(%d+)$')
  if not am or not bm then return false end
  am, as, bm, bs = tonumber(am), tonumber(as), tonumber(bm), tonumber(bs)
  return am < bm or (am == bm and as < bs)
end
local since = ARGV[1]
local known = #redis.call('XRANGE', KEYS[1], since, since) > 0
local trimmed = 0
if not known then
  local first = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)
  if first[1] then
    local fields = first[1][2]
    for i = 1, #fields, 2 do
      if fields[i] == 'p' and fields[i + 1] == since then known = true end
      if fields[i] == 'p' and fields[i + 1] ~= '' and older(since, fields[i + 1]) then
        trimmed = 1
      end
    end
  end
end
if not known then return {0, {}, 0, trimmed} end
local entries = redis.call('XRANGE', KEYS[1], '(' .. since, '+', 'COUNT', ARGV[2])
local older = redis.call('XREVRANGE', KEYS[1], since, '-', 'COUNT', 1)
return {1, entries, #older}
`;

type StreamEntry = [id: string, fields: string[]];

interface StoredJson {
  id: string;
  a: string;
  t: string;
  o: string;
  /** '1' for a bot; absent in entries written before bots were marked. */
  b?: string;
  /** The author's id; absent in entries written before authors had ids. */
  u?: string;
  /** '1' for a guest. */
  g?: string;
}

const msOf = (id: string): number => Number(id.slice(0, id.indexOf('-')));

/**
 * History in Redis: one Stream per room, ids straight from XADD. Keys of one room share a
 * hash tag, so the scripts also run on Redis Cluster. The client should be created with
 * `enableOfflineQueue: false`: during an outage calls fail at once with
 * StoreUnavailableError (ack code UNAVAILABLE) instead of hanging until Redis returns.
 */
export function createRedisHistoryStore(redis: Redis, options: RedisStoreOptions): HistoryStore {
  const prefix = options.prefix ?? 'chat:';
  const streamKey = (room: string) => `${prefix}{${room}}:log`;
  const dedupKey = (room: string, author: string, clientId: string) =>
    `${prefix}{${room}}:dedup:${clientId}:${encodeURIComponent(author)}`;
  const roomsKey = `${prefix}rooms`;
  // Replays are bounded by what the stream holds; approximate trimming can leave a little more.
  const replayMax = options.limit * 2 + 100;

  /** Runs a Lua script by its hash (EVALSHA), sending the body only when Redis lacks it. */
  const script = (body: string) => {
    const sha = createHash('sha1').update(body).digest('hex');
    return async (numKeys: number, ...args: (string | number)[]): Promise<unknown> => {
      try {
        return await redis.evalsha(sha, numKeys, ...args);
      } catch (err) {
        if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
        return redis.eval(body, numKeys, ...args);
      }
    };
  };
  const appendScript = script(APPEND);
  const afterScript = script(AFTER);

  // Rooms this process has put in the rooms set: one SADD per room, not one per message.
  // Forgotten on every (re)connection, in case Redis came back without its data.
  const listedRooms = new Set<string>();
  redis.on('ready', () => {
    listedRooms.clear();
  });

  const toMessage = (room: string, [id, fields]: StreamEntry): Message => {
    let name = '';
    let text = '';
    let bot = false;
    let guest = false;
    let userId = '';
    for (let i = 0; i < fields.length; i += 2) {
      const value = fields[i + 1] ?? '';
      if (fields[i] === 'a') name = value;
      else if (fields[i] === 't') text = value;
      else if (fields[i] === 'b') bot = value === '1';
      else if (fields[i] === 'u') userId = value;
      else if (fields[i] === 'g') guest = value === '1';
    }
    return {
      id,
      room,
      author: authorOf({
        id: userId,
        name,
        ...(bot ? { bot: true } : {}),
        ...(guest ? { guest: true } : {}),
      }),
      text,
      ts: msOf(id),
    };
  };

  const call = redisCall;

  const page = (room: string, entries: StreamEntry[], limit: number): Page => ({
    messages: entries
      .slice(0, limit)
      .reverse()
      .map((e) => toMessage(room, e)),
    hasMore: entries.length > limit,
  });

  return {
    append: (input: AppendInput) =>
      call(async (): Promise<AppendResult> => {
        const [fresh, stored, prev] = (await appendScript(
          2,
          streamKey(input.room),
          dedupKey(input.room, dedupScope(input.author), input.clientId),
          options.limit,
          options.dedupTtlMs,
          input.author.name,
          input.text,
          input.origin,
          input.author.bot ? 1 : 0,
          input.author.id,
          input.author.guest ? 1 : 0,
        )) as [number, string, string | undefined];
        if (fresh === 1 && !listedRooms.has(input.room)) {
          await redis.sadd(roomsKey, input.room);
          listedRooms.add(input.room);
        }
        const json = JSON.parse(stored) as StoredJson;
        return {
          message: {
            id: json.id,
            room: input.room,
            author: authorOf({
              id: json.u ?? '',
              name: json.a,
              ...(json.b === '1' ? { bot: true } : {}),
              ...(json.g === '1' ? { guest: true } : {}),
            }),
            text: json.t,
            ts: msOf(json.id),
          },
          duplicate: fresh !== 1,
          origin: json.o,
          ...(fresh === 1 && prev ? { prev } : {}),
        };
      }),

    latest: (room: string, limit: number) =>
      call(async () => {
        const entries = (await redis.xrevrange(
          streamKey(room),
          '+',
          '-',
          'COUNT',
          limit + 1,
        )) as StreamEntry[];
        return page(room, entries, limit);
      }),

    after: (room: string, id: string) =>
      call(async (): Promise<Replay> => {
        if (!parseId(id)) return { messages: [], gap: true, gapReason: 'unknown', hasMore: false };
        const [known, entries, older, trimmed] = (await afterScript(
          1,
          streamKey(room),
          id,
          replayMax,
        )) as [number, StreamEntry[], number, number | undefined];
        if (known !== 1) {
          const gapReason = trimmed === 1 ? 'trimmed' : 'unknown';
          return { messages: [], gap: true, gapReason, hasMore: false };
        }
        return { messages: entries.map((e) => toMessage(room, e)), gap: false, hasMore: older > 0 };
      }),

    before: async (room: string, id: string, limit: number) => {
      if (!parseId(id)) throw new InvalidCursorError();
      return call(async () => {
        const entries = (await redis.xrevrange(
          streamKey(room),
          `(${id}`,
          '-',
          'COUNT',
          limit + 1,
        )) as StreamEntry[];
        return page(room, entries, limit);
      });
    },

    rooms: () => call(() => redis.smembers(roomsKey)),
    hasRoom: (room) => call(async () => (await redis.xlen(streamKey(room))) > 0),
    roomActivity: () =>
      call(async () => {
        const rooms = await redis.smembers(roomsKey);
        const pipeline = redis.pipeline();
        for (const room of rooms) pipeline.xrevrange(streamKey(room), '+', '-', 'COUNT', 1);
        const results = (await pipeline.exec()) ?? [];
        const activity = new Map<string, number>();
        rooms.forEach((room, i) => {
          const newest = (results[i]?.[1] as StreamEntry[] | undefined)?.[0];
          if (newest) activity.set(room, msOf(newest[0]));
        });
        return activity;
      }),
    // The room's dedup records expire by themselves within DEDUP_TTL_MS.
    deleteRoom: (room) =>
      call(async () => {
        await redis.multi().del(streamKey(room)).srem(roomsKey, room).exec();
        listedRooms.delete(room);
      }),

    close: async () => {
      // The connection belongs to the caller, who may share it; nothing of ours to release.
    },
  };
}
