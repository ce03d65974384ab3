import { createHash } from 'node:crypto';
import { refreshSlots, type RedisClient } from '../storage/redis-client.js';
import type { Member, Message } from '../../../common/contract.js';
import { decodeText, encodeText } from '../storage/text-codec.js';
import { redisCall } from '../storage/unavailable.js';
import {
  applyChange,
  authorOf,
  compareIdKeys,
  dedupScope,
  InvalidCursorError,
  parseId,
  positionOf,
  type AppendInput,
  type AppendResult,
  type ChangeOutcome,
  type HistoryStore,
  type HistoryStoreOptions,
  type Page,
  type Replay,
  sumCounts,
} from './store.js';

/** Redis keeps time and trims approximately (`MAXLEN ~`), so `now` is not used. */
export interface RedisStoreOptions extends Omit<HistoryStoreOptions, 'now'> {
  /** Memory is bounded: a room keeps at most this many entries (see HistoryStoreOptions). */
  limit: number;
  /** Key prefix, so that several deployments or test runs can share one Redis. */
  prefix?: string;
  /**
   * Replicas that must hold a write before it is reported stored (Redis `WAIT`), so that an
   * acknowledged message survives its primary's failover. 0 or absent: none are awaited.
   * A primary with fewer replicas connected (just promoted, or one restarting) needs only
   * those it has: waiting for absent ones would refuse every send until they return.
   */
  replicas?: number;
  /** How long to wait for them before the write is reported unavailable, in ms. */
  replicaTimeoutMs?: number;
}

/**
 * A write that fewer replicas than required confirmed in time. It is held by the primary
 * and may yet reach them; the caller reports it unavailable, and a retry (deduplicated by
 * its clientId) waits for the replicas again.
 */
export class ReplicationTimeoutError extends Error {
  constructor(replicas: number, wanted: number) {
    super(`${replicas} of ${wanted} replicas confirmed the write in time`);
    this.name = 'ReplicationTimeoutError';
  }
}

// Positions are shared by a room's two streams: `log` holds its messages (a message's id
// is its position) and `changes` the positions of edits, deletions and reactions (`m`, the
// message's id). The room's newest position is kept in `head`, and each new one is taken
// after it (or at Redis's clock, if later), so that both streams follow one order.
// Every entry also records the id before it in its own stream (`p`): after any trim, the
// first entry held names the newest one trimmed, which is what proving continuity needs.
const POSITIONS = `
local function parse(id)
  local m, s = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(m), tonumber(s)
end
local function older(a, b)
  local am, as = parse(a)
  local bm, bs = parse(b)
  if not am or not bm then return false end
  return am < bm or (am == bm and as < bs)
end
local function newest(key)
  local last = redis.call('XREVRANGE', key, '+', '-', 'COUNT', 1)
  if last[1] then return last[1][1] end
  return ''
end
-- The room's next position, and the newest before it ('' for none).
local function nextPosition(headKey, logKey, changesKey)
  local head = redis.call('GET', headKey)
  if not head then
    head = newest(logKey)
    local change = newest(changesKey)
    if head == '' or (change ~= '' and older(head, change)) then head = change end
  end
  local t = redis.call('TIME')
  local ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local seq = 0
  if head ~= '' then
    local hm, hs = parse(head)
    if hm >= ms then ms = hm; seq = hs + 1 end
  end
  local id = string.format('%.0f-%.0f', ms, seq)
  redis.call('SET', headKey, id)
  return id, head
end
`;

// Stores a message unless this author already sent this clientId to the room, atomically:
// two nodes handling retries of one message at once still store it once. The dedup entry
// keeps the whole message, so a retry gets it back even after the stream was trimmed.
// A bot's messages (the push API) carry `b` = 1; `u` is the author's id, `g` = 1 a guest;
// `q`, the JSON of the quoted message of a reply; `x`, the JSON of the users it mentions.
// KEYS: log, dedup key, head, changes.
// ARGV: maxlen, ttl ms, author name, text, origin, bot (1 or 0), author id, guest (1 or 0),
// quote ('' for none), mentions ('' for none).
const APPEND = `${POSITIONS}
local seen = redis.call('GET', KEYS[2])
if seen then return {0, seen} end
local before = newest(KEYS[1])
local id, prev = nextPosition(KEYS[3], KEYS[1], KEYS[4])
local fields = {'a', ARGV[3], 't', ARGV[4], 'p', before, 'b', ARGV[6], 'u', ARGV[7],
  'g', ARGV[8]}
if ARGV[9] ~= '' then fields[#fields + 1] = 'q'; fields[#fields + 1] = ARGV[9] end
if ARGV[10] ~= '' then fields[#fields + 1] = 'x'; fields[#fields + 1] = ARGV[10] end
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], id, unpack(fields))
local stored = cjson.encode({id = id, a = ARGV[3], t = ARGV[4], o = ARGV[5], b = ARGV[6],
  u = ARGV[7], g = ARGV[8], q = ARGV[9], x = ARGV[10]})
redis.call('SET', KEYS[2], stored, 'PX', ARGV[2])
return {1, stored, prev}
`;

// Records a change to a message if its state is still what the caller read (compare and
// set: the caller applies the change, with the same code as the other stores, and retries
// on a conflict). The message's state as it is now goes in the state hash, which outlives
// the trimming of the log: states of messages trimmed away are swept when the hash holds
// twice as many as the log can.
// KEYS: log, state hash, head, changes. ARGV: message id, expected state ('' for none), new
// state (a JSON object without its position, which is added here), maxlen.
// Returns {0} when the message is not held, {2} on a conflict, else {1, position, prev}.
const CHANGE = `${POSITIONS}
if #redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1]) == 0 then return {0} end
local current = redis.call('HGET', KEYS[2], ARGV[1]) or ''
if current ~= ARGV[2] then return {2} end
local before = newest(KEYS[4])
local pos, prev = nextPosition(KEYS[3], KEYS[1], KEYS[4])
redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[4], pos, 'm', ARGV[1], 'p', before)
redis.call('HSET', KEYS[2], ARGV[1], string.sub(ARGV[3], 1, -2) .. ',"pos":"' .. pos .. '"}')
if redis.call('HLEN', KEYS[2]) > 2 * tonumber(ARGV[4]) then
  local first = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)[1][1]
  for _, id in ipairs(redis.call('HKEYS', KEYS[2])) do
    if older(id, first) then redis.call('HDEL', KEYS[2], id) end
  end
end
return {1, pos, prev}
`;

// What was created or changed after a position, or a gap when continuity from it cannot be
// proved. Each stream's trim edge is the `p` of its first entry. A position older than the
// messages' edge was followed by messages that are gone (trimmed). Otherwise the position
// must be held in either stream or be exactly an edge; a stream Redis lost, or started
// afresh, does not hold it, so the loss is reported rather than skipped.
// KEYS: log, changes, head. ARGV: since, max count.
// Returns {known, created, changes, olderCount, trimmed, head}.
const AFTER = `${POSITIONS}
local function edge(key)
  local first = redis.call('XRANGE', key, '-', '+', 'COUNT', 1)
  if not first[1] then return '' end
  local fields = first[1][2]
  for i = 1, #fields, 2 do
    if fields[i] == 'p' then return fields[i + 1] end
  end
  return ''
end
local since = ARGV[1]
local messagesEdge = edge(KEYS[1])
local changesEdge = edge(KEYS[2])
if messagesEdge ~= '' and older(since, messagesEdge) then return {0, {}, {}, 0, 1} end
local known = since == messagesEdge or since == changesEdge
  or #redis.call('XRANGE', KEYS[1], since, since) > 0
  or #redis.call('XRANGE', KEYS[2], since, since) > 0
if not known then
  if changesEdge ~= '' and older(since, changesEdge) then return {0, {}, {}, 0, 1} end
  return {0, {}, {}, 0, 0}
end
local created = redis.call('XRANGE', KEYS[1], '(' .. since, '+', 'COUNT', ARGV[2])
local changes = redis.call('XRANGE', KEYS[2], '(' .. since, '+', 'COUNT', ARGV[2])
local olderCount = #redis.call('XREVRANGE', KEYS[1], since, '-', 'COUNT', 1)
return {1, created, changes, olderCount, 0, redis.call('GET', KEYS[3]) or ''}
`;

type StreamEntry = [id: string, fields: string[]];

/** What changes of a message: kept in the state hash once it has changed. */
type MutableState = Pick<
  Message,
  'text' | 'editedAt' | 'deleted' | 'removedByModerator' | 'reactions' | 'pos'
>;

const stateOf = (m: Message): MutableState => ({
  text: m.text,
  ...(m.editedAt === undefined ? {} : { editedAt: m.editedAt }),
  ...(m.deleted ? { deleted: true } : {}),
  ...(m.removedByModerator ? { removedByModerator: true } : {}),
  ...(m.reactions ? { reactions: m.reactions } : {}),
  ...(m.pos === undefined ? {} : { pos: m.pos }),
});

/** Compare-and-set attempts of one change before giving up as unavailable. */
const CHANGE_ATTEMPTS = 50;

/**
 * The wait after a lost compare and set, in ms: random, and longer each time, so that nodes
 * racing for one message stop colliding and a slow one is not starved by quicker ones.
 */
const backoff = (attempt: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 * (attempt + 1))));

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
  /** The quote of a reply, as JSON; absent or empty otherwise. */
  q?: string;
  /** The users mentioned, as JSON; absent or empty otherwise. */
  x?: string;
}

const msOf = (id: string): number => Number(id.slice(0, id.indexOf('-')));

/**
 * History in Redis: one Stream per room, ids straight from XADD. Keys of one room share a
 * hash tag, so the scripts also run on Redis Cluster. The client should be created with
 * `enableOfflineQueue: false`: during an outage calls fail at once with
 * StoreUnavailableError (ack code UNAVAILABLE) instead of hanging until Redis returns.
 */
// eslint-disable-next-line max-lines-per-function -- a factory of small closures (its methods), each well under the limit
export function createRedisHistoryStore(
  redis: RedisClient,
  options: RedisStoreOptions,
): HistoryStore {
  const prefix = options.prefix ?? 'chat:';
  // Redis sends key names as UTF-8, where a lone surrogate would turn into U+FFFD and two
  // rooms could share keys; encoded, every room has keys of its own (most keep their name).
  const tag = (room: string) => `${prefix}{${encodeText(room)}}`;
  const streamKey = (room: string) => `${tag(room)}:log`;
  const stateKey = (room: string) => `${tag(room)}:state`;
  const headKey = (room: string) => `${tag(room)}:head`;
  const changesKey = (room: string) => `${tag(room)}:changes`;
  const dedupKey = (room: string, author: string, clientId: string) =>
    `${tag(room)}:dedup:${encodeText(clientId)}:${encodeURIComponent(author)}`;
  const roomsKey = `${prefix}rooms`;
  // Replays are bounded by what the stream holds; approximate trimming can leave a little more.
  const replayMax = options.limit * 2 + 100;

  const replicas = options.replicas ?? 0;
  const replicaTimeoutMs = options.replicaTimeoutMs ?? 500;

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

  /**
   * A writing script, then `WAIT` for as many replicas as its primary has connected (up to
   * `replicas`). The script goes with `ROLE`, which lists those replicas, and the WAIT with
   * a read of the script's first key: on Redis Cluster a pipeline goes to the primary of its
   * keys' slot, so both reach the node that ran the script, on the connection WAIT is about.
   * WAIT goes alone only when a replica is there to answer it: it blocks its connection
   * until then, and a WAIT for an absent replica would hold up every command behind it.
   */
  const writingScript = (body: string) => {
    if (replicas === 0) return script(body);
    const sha = createHash('sha1').update(body).digest('hex');
    const run = async (how: 'evalsha' | 'eval', numKeys: number, args: (string | number)[]) => {
      const write = redis.pipeline();
      if (how === 'evalsha') write.evalsha(sha, numKeys, ...args);
      else write.eval(body, numKeys, ...args);
      const [[scriptError, result] = [], [roleError, role] = []] =
        (await write.call('ROLE').exec()) ?? [];
      if (scriptError) throw scriptError;
      if (roleError) throw roleError;
      const present = Array.isArray(role) && Array.isArray(role[2]) ? role[2].length : 0;
      const needed = Math.min(replicas, present);
      if (needed === 0) return result;
      const [, [waitError, confirmed] = []] =
        (await redis
          .pipeline()
          .exists(String(args[0]))
          .call('WAIT', needed, replicaTimeoutMs)
          .exec()) ?? [];
      if (waitError) throw waitError;
      if (typeof confirmed !== 'number' || confirmed < needed) {
        throw new ReplicationTimeoutError(Number(confirmed ?? 0), needed);
      }
      return result;
    };
    return async (numKeys: number, ...args: (string | number)[]): Promise<unknown> => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await run('evalsha', numKeys, args).catch((err: unknown) => {
            if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
            return run('eval', numKeys, args);
          });
        } catch (err) {
          // The slot moved (a failover): learn where it is now, and write there. A MOVED
          // means the script did not run, so running it again stores nothing twice.
          if (!(err instanceof Error) || !err.message.startsWith('MOVED') || attempt >= 3) {
            throw err;
          }
          await refreshSlots(redis);
        }
      }
    };
  };
  const appendScript = writingScript(APPEND);
  const afterScript = script(AFTER);
  const changeScript = writingScript(CHANGE);

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
    let replyTo: Message['replyTo'];
    let mentions: Member[] | undefined;
    for (let i = 0; i < fields.length; i += 2) {
      const value = fields[i + 1] ?? '';
      if (fields[i] === 'a') name = decodeText(value);
      else if (fields[i] === 't') text = decodeText(value);
      else if (fields[i] === 'b') bot = value === '1';
      else if (fields[i] === 'u') userId = value;
      else if (fields[i] === 'g') guest = value === '1';
      else if (fields[i] === 'q' && value !== '') replyTo = JSON.parse(value) as Message['replyTo'];
      else if (fields[i] === 'x' && value !== '') mentions = JSON.parse(value) as Member[];
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
      ...(replyTo ? { replyTo } : {}),
      ...(mentions ? { mentions } : {}),
    };
  };

  const call = redisCall;

  // Changes to one message from this process run one after another: a popular message
  // gets reactions in bursts, and comparing and setting them all at once would mostly
  // conflict. Other nodes can still interleave, which the compare and set resolves.
  const turns = new Map<string, Promise<unknown>>();
  const inTurn = <T>(key: string, work: () => Promise<T>): Promise<T> => {
    const run = (turns.get(key) ?? Promise.resolve()).then(
      () => call(work),
      () => call(work),
    );
    turns.set(key, run);
    const forget = () => {
      if (turns.get(key) === run) turns.delete(key);
    };
    run.then(forget, forget);
    return run;
  };

  /** Messages with the state they have now, for those that changed. */
  const withStates = async (room: string, messages: Message[]): Promise<Message[]> => {
    if (messages.length === 0) return messages;
    const states = await redis.hmget(stateKey(room), ...messages.map((m) => m.id));
    return messages.map((m, i) => {
      const state = states[i];
      return state ? { ...m, ...(JSON.parse(state) as MutableState) } : m;
    });
  };

  /** Up to `limit + 1` messages older than `end` (exclusive, or from the newest), newest first. */
  const readBack = async (room: string, end: string | undefined, limit: number) =>
    (await redis.xrevrange(
      streamKey(room),
      end === undefined ? '+' : `(${end}`,
      '-',
      'COUNT',
      limit + 1,
    )) as StreamEntry[];

  const page = async (room: string, entries: StreamEntry[], limit: number): Promise<Page> => ({
    messages: await withStates(
      room,
      entries
        .slice(0, limit)
        .reverse()
        .map((e) => toMessage(room, e)),
    ),
    hasMore: entries.length > limit,
  });

  /** A held message as it is now, and its state as the hash holds it ('' for none). */
  const read = async (room: string, id: string) => {
    if (!parseId(id)) return undefined;
    const [[, entries], [, state]] = (await redis
      .multi()
      .xrange(streamKey(room), id, id)
      .hget(stateKey(room), id)
      .exec()) as [[unknown, StreamEntry[]], [unknown, string | null]];
    const [entry] = entries;
    if (!entry) return undefined;
    const message = toMessage(room, entry);
    return state
      ? { message: { ...message, ...(JSON.parse(state) as MutableState) }, raw: state }
      : { message, raw: '' };
  };

  return {
    append: (input: AppendInput) =>
      call(async (): Promise<AppendResult> => {
        const [fresh, stored, prev] = (await appendScript(
          4,
          streamKey(input.room),
          dedupKey(input.room, dedupScope(input.author), input.clientId),
          headKey(input.room),
          changesKey(input.room),
          options.limit,
          options.dedupTtlMs,
          encodeText(input.author.name),
          encodeText(input.text),
          encodeText(input.origin),
          input.author.bot ? 1 : 0,
          input.author.id,
          input.author.guest ? 1 : 0,
          input.replyTo ? JSON.stringify(input.replyTo) : '',
          input.mentions?.length ? JSON.stringify(input.mentions) : '',
        )) as [number, string, string | undefined];
        if (fresh === 1 && !listedRooms.has(input.room)) {
          await redis.sadd(roomsKey, encodeText(input.room));
          listedRooms.add(input.room);
        }
        const json = JSON.parse(stored) as StoredJson;
        return {
          message: {
            id: json.id,
            room: input.room,
            author: authorOf({
              id: json.u ?? '',
              name: decodeText(json.a),
              ...(json.b === '1' ? { bot: true } : {}),
              ...(json.g === '1' ? { guest: true } : {}),
            }),
            text: decodeText(json.t),
            ts: msOf(json.id),
            ...(json.q ? { replyTo: JSON.parse(json.q) as Message['replyTo'] } : {}),
            ...(json.x ? { mentions: JSON.parse(json.x) as Member[] } : {}),
          },
          duplicate: fresh !== 1,
          origin: decodeText(json.o),
          ...(fresh === 1 && prev ? { prev } : {}),
        };
      }),

    latest: (room: string, limit: number) =>
      call(async () => {
        const [entries, head] = await Promise.all([
          readBack(room, undefined, limit),
          redis.get(headKey(room)),
        ]);
        const result = await page(room, entries, limit);
        // Rooms written before positions had a head: their newest message is it.
        const newest = head ?? entries[0]?.[0];
        return newest ? { ...result, head: newest } : result;
      }),

    get: (room, id) => call(async () => (await read(room, id))?.message),

    unread: (room, position, userId) =>
      call(async () => {
        const entries = (await redis.xrange(
          streamKey(room),
          position === undefined ? '-' : `(${position}`,
          '+',
        )) as StreamEntry[];
        const messages = await withStates(
          room,
          entries.map((e) => toMessage(room, e)),
        );
        return sumCounts(messages, userId);
      }),

    change: (room, id, what) =>
      inTurn(`${room}\n${id}`, async (): Promise<ChangeOutcome> => {
        for (let attempt = 0; attempt < CHANGE_ATTEMPTS; attempt++) {
          const held = await read(room, id);
          if (!held) return { status: 'refused', reason: 'not_found' };
          const result = applyChange(held.message, what);
          if ('refused' in result) return { status: 'refused', reason: result.refused };
          if ('unchanged' in result) return { status: 'unchanged', message: held.message };
          const { pos: _old, ...state } = stateOf(result.message);
          const [status, pos, prev] = (await changeScript(
            4,
            streamKey(room),
            stateKey(room),
            headKey(room),
            changesKey(room),
            id,
            held.raw,
            JSON.stringify(state),
            options.limit,
          )) as [number, string?, string?];
          if (status === 0) return { status: 'refused', reason: 'not_found' };
          if (status === 1 && pos !== undefined) {
            const message = { ...result.message, pos };
            return { status: 'changed', message, ...(prev ? { prev } : {}) };
          }
          await backoff(attempt);
        }
        throw new Error(`message ${id} kept changing under ${CHANGE_ATTEMPTS} attempts`);
      }),

    after: (room: string, id: string, limit?: number) =>
      call(async (): Promise<Replay> => {
        if (!parseId(id)) return { messages: [], gap: true, gapReason: 'unknown', hasMore: false };
        const [known, created, changes, olderCount, trimmed, head] = (await afterScript(
          3,
          streamKey(room),
          changesKey(room),
          headKey(room),
          id,
          replayMax,
        )) as [number, StreamEntry[], StreamEntry[], number, number, string?];
        if (known !== 1) {
          const gapReason = trimmed === 1 ? 'trimmed' : 'unknown';
          return { messages: [], gap: true, gapReason, hasMore: false };
        }
        // Each message once, as it is now: those created after the position, and older ones
        // changed after it (read from their own entries).
        const entries = new Map(created.map((e) => [e[0], e]));
        const older = new Set<string>();
        for (const [, fields] of changes) {
          const target = fields[fields.indexOf('m') + 1];
          if (target !== undefined && !entries.has(target)) older.add(target);
        }
        if (older.size > 0) {
          const pipeline = redis.pipeline();
          for (const m of older) pipeline.xrange(streamKey(room), m, m);
          for (const [, found] of (await pipeline.exec()) ?? []) {
            const entry = (found as StreamEntry[] | undefined)?.[0];
            if (entry) entries.set(entry[0], entry);
          }
        }
        const order = (m: Message) => parseId(positionOf(m)) ?? [0, 0];
        const messages = (
          await withStates(
            room,
            [...entries.values()].map((e) => toMessage(room, e)),
          )
        ).sort((a, b) => compareIdKeys(order(a), order(b)));
        if (limit !== undefined && messages.length > limit)
          return { messages: [], gap: true, gapReason: 'too_many', hasMore: false };
        const newest = head || created.at(-1)?.[0] || id;
        return { messages, gap: false, hasMore: olderCount > 0, head: newest };
      }),

    before: async (room: string, id: string, limit: number) => {
      if (!parseId(id)) throw new InvalidCursorError();
      return call(async () => page(room, await readBack(room, id, limit), limit));
    },

    rooms: () => call(async () => (await redis.smembers(roomsKey)).map(decodeText)),
    hasRoom: (room) => call(async () => (await redis.xlen(streamKey(room))) > 0),
    roomActivity: () =>
      call(async () => {
        const rooms = (await redis.smembers(roomsKey)).map(decodeText);
        // One read per room, not one pipeline: on Redis Cluster the rooms sit in many slots.
        const newest = await Promise.all(
          rooms.map(
            async (room) =>
              ((await redis.xrevrange(streamKey(room), '+', '-', 'COUNT', 1)) as StreamEntry[])[0],
          ),
        );
        const activity = new Map<string, number>();
        rooms.forEach((room, i) => {
          const entry = newest[i];
          if (entry) activity.set(room, msOf(entry[0]));
        });
        return activity;
      }),
    // The room's dedup records expire by themselves within DEDUP_TTL_MS.
    deleteRoom: (room) =>
      call(async () => {
        // The room's keys share a slot; the list of rooms has one of its own.
        await redis.del(streamKey(room), stateKey(room), headKey(room), changesKey(room));
        await redis.srem(roomsKey, encodeText(room));
        listedRooms.delete(room);
      }),

    close: async () => {
      // The connection belongs to the caller, who may share it; nothing of ours to release.
    },
  };
}
