// Copies a Redis-backed deployment's record into PostgreSQL (`npm run migrate:from-redis`).
//
// How to move a deployment: stop the nodes (or drain them, so that nothing writes to Redis
// any more), run this with the nodes' REDIS_URL or REDIS_CLUSTER_NODES, REDIS_PREFIX and the
// new DATABASE_URL, then start the nodes with DATABASE_URL. Message ids are copied exactly:
// clients hold them as `since` cursors, and rejoin without a gap.
//
// It reads Redis through the key layouts the Redis stores write (see each concern's
// `redis-store.ts`) and writes the tables each `postgres-store.ts` creates, through the text
// codec as those stores do. Every row is written with INSERT … ON CONFLICT DO NOTHING on its
// natural key (a room's counters, in `history_rooms`, are counted again from the rows it
// holds), and a room in one transaction, so that a second run, or a run resumed after an
// interruption, ends with the same rows and no duplicates. It does not need the chat
// stopped to be correct for what existed when it started: a room's history is read in one
// MULTI (its keys share a hash tag, so one slot), and SCAN returns every key that exists for
// its whole run. What is written meanwhile may be copied or not, and rows already copied are
// not updated by a later run: hence stopping the nodes first.
import { Cluster } from 'ioredis';
import type { Invitation, Member, Message } from '../../../common/contract.js';
import { nameKey } from '../accounts/names.js';
import type { Session } from '../accounts/store.js';
import { authorOf, parseId, type IdKey } from '../messages/store.js';
import { inTransaction, type PostgresPool, type Queryable } from '../storage/postgres.js';
import type { RedisClient } from '../storage/redis-client.js';
import { decodeText, encodeText } from '../storage/text-codec.js';

/** Of one kind of row: how many Redis held, and how many of them were new in Postgres. */
export interface KindCount {
  read: number;
  written: number;
}

export const KINDS = [
  'users',
  'sessions',
  'rooms',
  'messages',
  'changes',
  'dedup',
  'conversations',
  'userConversations',
  'readMarks',
  'memberships',
  'invitations',
  'roomSettings',
  'moderators',
  'invites',
  'sanctions',
  'reports',
  'audit',
] as const;
export type Kind = (typeof KINDS)[number];
export type MigrationCounts = Record<Kind, KindCount>;

export interface MigrateOptions {
  /** The deployment's REDIS_PREFIX. */
  prefix: string;
  /** Sessions that expired by this clock are not copied. */
  now?: () => number;
}

type Counter = (kind: Kind, read: number, written: number) => void;

/** SCAN's MATCH treats these as patterns; a prefix or room holding them matches literally. */
const globEscape = (s: string): string => s.replace(/[*?[\]\\]/g, '\\$&');

/** Every key matching `pattern`, from every primary on Redis Cluster. */
async function scanKeys(redis: RedisClient, pattern: string): Promise<string[]> {
  const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
  const keys = new Set<string>();
  for (const node of nodes) {
    const stream = node.scanStream({ match: pattern, count: 1000 });
    for await (const batch of stream as AsyncIterable<string[]>) {
      for (const key of batch) keys.add(key);
    }
  }
  return [...keys];
}

/** `work` over `items`, a batch at a time, so that a large deployment is not read at once. */
async function inBatches<T, R>(items: T[], work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += 200) {
    out.push(...(await Promise.all(items.slice(i, i + 200).map(work))));
  }
  return out;
}

/** An INSERT … ON CONFLICT DO NOTHING of many rows at once, into these columns. */
interface BatchInsert {
  table: string;
  columns: readonly string[];
  /** For identity columns (GENERATED ALWAYS), whose copied values are kept. */
  overriding?: boolean;
}

/** Parameters per statement: well under Postgres's 65,535. */
const MAX_PARAMETERS = 30_000;

/** Inserts `rows`, many per statement, keeping rows already there; returns the rows added. */
async function insertBatch(client: Queryable, insert: BatchInsert, rows: unknown[][]) {
  const width = insert.columns.length;
  const per = Math.floor(MAX_PARAMETERS / width);
  let written = 0;
  for (let i = 0; i < rows.length; i += per) {
    const chunk = rows.slice(i, i + per);
    // Only placeholders are built here; every value is a parameter.
    const tuples = chunk.map(
      (_, r) => `(${insert.columns.map((_c, c) => `$${r * width + c + 1}`).join(', ')})`,
    );
    const sql = `INSERT INTO ${insert.table} (${insert.columns.join(', ')})
      ${insert.overriding ? 'OVERRIDING SYSTEM VALUE' : ''}
      VALUES ${tuples.join(', ')} ON CONFLICT DO NOTHING`;
    written += (await client.query(sql, chunk.flat())).rowCount ?? 0;
  }
  return written;
}

/** `insertBatch` in a transaction of its own. */
const insertRows = (pool: PostgresPool, insert: BatchInsert, rows: unknown[][]) =>
  inTransaction(pool, (client) => insertBatch(client, insert, rows));

// ---------------------------------------------------------------------------------------
// Accounts and sessions: `user:<id>` hashes and `session:<id>` JSON (accounts/redis-store.ts).

const INSERT_USER: BatchInsert = {
  table: 'users',
  columns: [
    'id',
    'username',
    'username_key',
    'name',
    'name_key',
    'password_hash',
    'guest',
    'created_at',
    'suspended',
    'deleted',
  ],
};

// A session whose user is gone is not copied (the table's foreign key would refuse it).
const INSERT_SESSION = `INSERT INTO sessions (id, user_id, created_at, expires_at)
  SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM users WHERE id = $2)
  ON CONFLICT DO NOTHING`;

/** The row of an account hash, as createPostgresAccounts writes it; undefined when partial. */
function userRow(h: Record<string, string>): unknown[] | undefined {
  if (h.id === undefined || h.name === undefined) return undefined;
  const deleted = h.deleted === '1';
  const username = h.username === undefined || h.username === '' ? undefined : h.username;
  const name = decodeText(h.name);
  return [
    h.id,
    // Already through the codec in Redis, as Postgres wants it.
    username ?? null,
    username === undefined ? null : nameKey(decodeText(username)),
    encodeText(name),
    // A deleted account takes no name, as the Postgres store's delete leaves it.
    deleted ? '' : nameKey(name),
    h.hash ?? null,
    h.guest === '1',
    Number(h.createdAt),
    h.suspended === '1',
    deleted,
  ];
}

async function migrateAccounts(
  redis: RedisClient,
  pool: PostgresPool,
  prefix: string,
  userIds: string[],
  count: Counter,
): Promise<void> {
  const hashes = await inBatches(userIds, (id) => redis.hgetall(`${prefix}user:${id}`));
  const rows = hashes.map(userRow).filter((r): r is unknown[] => r !== undefined);
  count('users', rows.length, await insertRows(pool, INSERT_USER, rows));
}

async function migrateSessions(
  redis: RedisClient,
  pool: PostgresPool,
  keys: string[],
  now: number,
  count: Counter,
): Promise<void> {
  const raw = await inBatches(keys, (key) => redis.get(key));
  const rows = raw
    .filter((json): json is string => json !== null)
    .map((json) => JSON.parse(json) as Session)
    .filter((s) => s.expiresAt > now)
    .map((s) => [s.id, s.userId, s.createdAt, s.expiresAt]);
  const written = await inTransaction(pool, async (client) => {
    let added = 0;
    for (const row of rows) added += (await client.query(INSERT_SESSION, row)).rowCount ?? 0;
    return added;
  });
  count('sessions', rows.length, written);
}

// ---------------------------------------------------------------------------------------
// History: per room `{room}:log`, `:state`, `:head`, `:changes`, `:dedup:<clientId>:<scope>`
// (messages/redis-store.ts), the room's name through the codec in its hash tag.

type StreamEntry = [id: string, fields: string[]];

interface RoomSnapshot {
  log: StreamEntry[];
  states: Record<string, string>;
  head: string | null;
  changes: StreamEntry[];
}

const fieldsOf = (fields: string[]): Map<string, string> => {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2)
    map.set(fields[i] as string, fields[i + 1] as string);
  return map;
};

/** A room's four keys read in one MULTI: one consistent moment of the room. */
async function readRoom(redis: RedisClient, tag: string): Promise<RoomSnapshot> {
  const replies = await redis
    .multi()
    .xrange(`${tag}:log`, '-', '+')
    .hgetall(`${tag}:state`)
    .get(`${tag}:head`)
    .xrange(`${tag}:changes`, '-', '+')
    .exec();
  if (!replies) throw new Error(`reading ${tag} was aborted`);
  const failed = replies.find(([err]) => err)?.[0];
  if (failed) throw failed;
  const [log, states, head, changes] = replies.map(([, value]) => value);
  return {
    log: log as StreamEntry[],
    states: states as Record<string, string>,
    head: head as string | null,
    changes: changes as StreamEntry[],
  };
}

/** What the state hash holds of a message that changed (see stateOf in the Redis store). */
interface StoredState {
  text: string;
  editedAt?: number;
  deleted?: boolean;
  removedByModerator?: boolean;
  reactions?: Message['reactions'];
  pos?: string;
}

const keyStrings = (id: string): [string, string] => {
  const at = id.indexOf('-');
  return [id.slice(0, at), id.slice(at + 1)];
};

/** A `messages` row (as the Postgres history writes it) for one stream entry. */
function messageRow(room: string, [id, raw]: StreamEntry, stateJson: string | undefined) {
  const f = fieldsOf(raw);
  const author = authorOf({
    id: f.get('u') ?? '',
    name: decodeText(f.get('a') ?? ''),
    ...(f.get('b') === '1' ? { bot: true } : {}),
    ...(f.get('g') === '1' ? { guest: true } : {}),
  });
  const state = stateJson === undefined ? undefined : (JSON.parse(stateJson) as StoredState);
  const q = f.get('q');
  const x = f.get('x');
  const extra = {
    ...(state?.editedAt === undefined ? {} : { editedAt: state.editedAt }),
    ...(state?.deleted ? { deleted: true } : {}),
    ...(state?.removedByModerator ? { removedByModerator: true } : {}),
    ...(state?.reactions ? { reactions: state.reactions } : {}),
    ...(q ? { replyTo: JSON.parse(q) as Message['replyTo'] } : {}),
    ...(x ? { mentions: JSON.parse(x) as Member[] } : {}),
  };
  const [ms, seq] = keyStrings(id);
  const [posMs, posSeq] = keyStrings(state?.pos ?? id);
  const quoted = extra.replyTo ? parseId(extra.replyTo.id) : undefined;
  return [
    ...[room, ms, seq, posMs, posSeq, encodeText(author.id), encodeText(author.name)],
    ...[author.guest === true, author.bot === true],
    encodeText(state?.text ?? decodeText(f.get('t') ?? '')),
    Object.keys(extra).length > 0 ? JSON.stringify(extra) : null,
    ...(quoted ?? [null, null]),
  ];
}

/** The JSON a dedup key holds (APPEND in the Redis store). */
interface DedupJson {
  id: string;
  o: string;
}

/** A `message_dedup` row for one dedup key of the room; undefined once it expired. */
async function dedupRow(
  redis: RedisClient,
  room: string,
  tag: string,
  key: string,
): Promise<unknown[] | undefined> {
  const raw = await redis.get(key);
  if (raw === null) return undefined;
  // `<clientId through the codec>:<author id URI-encoded>`: the second part holds no colon.
  const rest = key.slice(`${tag}:dedup:`.length);
  const at = rest.lastIndexOf(':');
  const clientId = decodeText(rest.slice(0, at));
  const scope = decodeURIComponent(rest.slice(at + 1));
  const json = JSON.parse(raw) as DedupJson;
  return [
    encodeText(room),
    encodeText(scope),
    encodeText(clientId),
    encodeText(decodeText(json.o)),
    ...keyStrings(json.id),
  ];
}

/** The `p` of a stream's first entry: the newest entry trimmed away before it, if any. */
const edgeOf = (entries: StreamEntry[]): IdKey | undefined => {
  const first = entries[0];
  return first ? parseId(fieldsOf(first[1]).get('p') ?? '') : undefined;
};

const newestOf = (ids: (string | undefined)[]): IdKey | undefined => {
  let newest: IdKey | undefined;
  for (const id of ids) {
    const key = id === undefined ? undefined : parseId(id);
    if (key && (!newest || key[0] > newest[0] || (key[0] === newest[0] && key[1] > newest[1]))) {
      newest = key;
    }
  }
  return newest;
};

const INSERT_MESSAGE: BatchInsert = {
  table: 'messages',
  columns: [
    'room',
    'ms',
    'seq',
    'pos_ms',
    'pos_seq',
    'author_id',
    'author_name',
    'guest',
    'bot',
    'text',
    'extra',
    'reply_ms',
    'reply_seq',
  ],
};
const INSERT_CHANGE: BatchInsert = { table: 'message_changes', columns: ['room', 'ms', 'seq'] };
const INSERT_DEDUP: BatchInsert = {
  table: 'message_dedup',
  columns: ['room', 'scope', 'client_id', 'origin', 'ms', 'seq'],
};

// The room's row, with its counts taken from the rows it holds now; a later run keeps the
// newer head and the edges already recorded (what Postgres holds goes back to them).
const UPSERT_ROOM = `INSERT INTO history_rooms (room, head_ms, head_seq, messages, changes,
    trimmed_ms, trimmed_seq, changes_trimmed_ms, changes_trimmed_seq, last_ms)
  VALUES ($1, $2, $3,
    (SELECT count(*) FROM messages WHERE room = $1),
    (SELECT count(*) FROM message_changes WHERE room = $1),
    $4, $5, $6, $7, $8)
  ON CONFLICT (room) DO UPDATE SET
    messages = excluded.messages, changes = excluded.changes,
    head_ms = CASE WHEN history_rooms.head_ms IS NULL
      OR (excluded.head_ms, excluded.head_seq) > (history_rooms.head_ms, history_rooms.head_seq)
      THEN excluded.head_ms ELSE history_rooms.head_ms END,
    head_seq = CASE WHEN history_rooms.head_ms IS NULL
      OR (excluded.head_ms, excluded.head_seq) > (history_rooms.head_ms, history_rooms.head_seq)
      THEN excluded.head_seq ELSE history_rooms.head_seq END,
    last_ms = GREATEST(history_rooms.last_ms, excluded.last_ms)
  WHERE (history_rooms.messages, history_rooms.changes, history_rooms.head_ms,
      history_rooms.head_seq, history_rooms.last_ms)
    IS DISTINCT FROM (excluded.messages, excluded.changes, excluded.head_ms, excluded.head_seq,
      excluded.last_ms)`;

interface RoomCounts {
  rooms: KindCount;
  messages: KindCount;
  changes: KindCount;
  dedup: KindCount;
}

/** One room's history, written in one transaction: a room is copied wholly or not at all. */
async function writeRoom(
  pool: PostgresPool,
  room: string,
  snapshot: RoomSnapshot,
  dedup: unknown[][],
): Promise<RoomCounts> {
  const key = encodeText(room);
  const messages = snapshot.log.map((e) => messageRow(key, e, snapshot.states[e[0]]));
  // A retry record of a message Redis trimmed away has nothing to answer with: PostgreSQL
  // keeps one only beside its message.
  const held = new Set(snapshot.log.map(([id]) => id));
  const retries = dedup.filter((row) => held.has(`${String(row[4])}-${String(row[5])}`));
  const changes = snapshot.changes.map(([id]) => [key, ...keyStrings(id)]);
  // Rooms written before positions had a head: their newest entry is it.
  const head =
    parseId(snapshot.head ?? '') ??
    newestOf([snapshot.log.at(-1)?.[0], snapshot.changes.at(-1)?.[0]]);
  const edge = edgeOf(snapshot.log);
  const changesEdge = edgeOf(snapshot.changes);
  const last = snapshot.log.at(-1);
  return inTransaction(pool, async (client) => {
    const counts = {
      messages: {
        read: messages.length,
        written: await insertBatch(client, INSERT_MESSAGE, messages),
      },
      changes: { read: changes.length, written: await insertBatch(client, INSERT_CHANGE, changes) },
      dedup: { read: dedup.length, written: await insertBatch(client, INSERT_DEDUP, retries) },
    };
    const upserted = await client.query(UPSERT_ROOM, [
      ...[key, head?.[0] ?? null, head?.[1] ?? null],
      ...[edge?.[0] ?? null, edge?.[1] ?? null, changesEdge?.[0] ?? null, changesEdge?.[1] ?? null],
      last ? Number(keyStrings(last[0])[0]) : null,
    ]);
    return { ...counts, rooms: { read: 1, written: upserted.rowCount ?? 0 } };
  });
}

/** The rooms that have a history (from their `log` keys), and each one's dedup keys. */
function historyRooms(
  keys: string[],
  prefix: string,
): Map<string, { tag: string; dedup: string[] }> {
  const start = `${prefix}{`;
  const rooms = new Map<string, { tag: string; dedup: string[] }>();
  for (const key of keys) {
    if (!key.startsWith(start) || !key.endsWith('}:log')) continue;
    const encoded = key.slice(start.length, -'}:log'.length);
    rooms.set(decodeText(encoded), { tag: `${start}${encoded}}`, dedup: [] });
  }
  // A dedup key belongs to the room whose tag begins it; of two that do (a room named like
  // another's key), the longer.
  const tags = [...rooms.values()].sort((a, b) => b.tag.length - a.tag.length);
  for (const key of keys) {
    if (!key.startsWith(start) || !key.includes('}:dedup:')) continue;
    tags.find((r) => key.startsWith(`${r.tag}:dedup:`))?.dedup.push(key);
  }
  return rooms;
}

async function migrateHistory(
  redis: RedisClient,
  pool: PostgresPool,
  rooms: Map<string, { tag: string; dedup: string[] }>,
  count: Counter,
): Promise<void> {
  for (const [room, { tag, dedup }] of rooms) {
    const snapshot = await readRoom(redis, tag);
    if (snapshot.log.length === 0 && snapshot.changes.length === 0) continue;
    const dedupRows = (await inBatches(dedup, (key) => dedupRow(redis, room, tag, key))).filter(
      (r): r is unknown[] => r !== undefined,
    );
    const counts = await writeRoom(pool, room, snapshot, dedupRows);
    for (const kind of ['rooms', 'messages', 'changes', 'dedup'] as const) {
      count(kind, counts[kind].read, counts[kind].written);
    }
  }
}

// ---------------------------------------------------------------------------------------
// A user's keys: `user:{<id>}:conversations`, `:read` (conversations/redis-store.ts),
// `:rooms`, `:invitations` (rooms/redis-store.ts), and each conversation's
// `{<room>}:participants`. Room names are through the codec there as in Postgres.

type UserKind = 'conversations' | 'read' | 'rooms' | 'invitations';

/** Re-encoded so that any text reaches Postgres as its stores write it. */
const roomText = (stored: string): string => encodeText(decodeText(stored));

const USER_SQL = {
  conversations: { table: 'user_conversations', columns: ['user_id', 'room'] },
  read: { table: 'read_marks', columns: ['user_id', 'room', 'position', 'pos_ms', 'pos_seq'] },
  rooms: { table: 'user_rooms', columns: ['user_id', 'room'] },
  invitations: { table: 'user_invitations', columns: ['user_id', 'room', 'invitation'] },
} satisfies Record<UserKind, BatchInsert>;

const USER_COUNTED: Record<UserKind, Kind> = {
  conversations: 'userConversations',
  read: 'readMarks',
  rooms: 'memberships',
  invitations: 'invitations',
};

async function userRows(redis: RedisClient, kind: UserKind, userId: string, key: string) {
  if (kind === 'conversations' || kind === 'rooms') {
    return (await redis.smembers(key)).map((room) => [userId, roomText(room)]);
  }
  const entries = Object.entries(await redis.hgetall(key));
  if (kind === 'invitations') {
    // The invitation's JSON as JSON.stringify wrote it: the Postgres store keeps the same.
    return entries.map(([room, json]) => [
      userId,
      roomText(room),
      JSON.stringify(JSON.parse(json) as Invitation),
    ]);
  }
  return entries.map(([room, position]) => {
    const at = parseId(position);
    return [userId, roomText(room), position, at?.[0] ?? null, at?.[1] ?? null];
  });
}

const INSERT_CONVERSATION: BatchInsert = {
  table: 'conversations',
  columns: ['room', 'participants'],
};

async function migrateUserKeys(
  redis: RedisClient,
  pool: PostgresPool,
  prefix: string,
  keys: { userId: string; kind: UserKind; key: string }[],
  count: Counter,
): Promise<void> {
  const rooms = new Set<string>();
  for (const kind of Object.keys(USER_SQL) as UserKind[]) {
    const mine = keys.filter((k) => k.kind === kind);
    const rows = (await inBatches(mine, (k) => userRows(redis, kind, k.userId, k.key))).flat();
    if (kind === 'conversations') for (const row of rows) rooms.add(decodeText(row[1] as string));
    count(USER_COUNTED[kind], rows.length, await insertRows(pool, USER_SQL[kind], rows));
  }
  const conversations = await inBatches(
    [...rooms],
    async (room): Promise<unknown[] | undefined> => {
      const ids = await redis.lrange(`${prefix}{${encodeText(room)}}:participants`, 0, -1);
      return ids.length > 0 ? [encodeText(room), [...new Set(ids)]] : undefined;
    },
  );
  const rows = conversations.filter((r): r is unknown[] => r !== undefined);
  count('conversations', rows.length, await insertRows(pool, INSERT_CONVERSATION, rows));
}

// ---------------------------------------------------------------------------------------
// Moderation: per room `{<room>}:settings`, `:moderators`, `:invited`, `:bans`, `:mutes`,
// `:audit`, `:reports…` (moderation/redis-store.ts), the room's name as it is (not through
// the codec), as the Postgres moderation tables key it too.

const MODERATION_KEYS = {
  settings: 'hash',
  moderators: 'set',
  invited: 'set',
  bans: 'hash',
  mutes: 'hash',
  audit: 'list',
  reports: 'hash',
} as const;

/**
 * Audit entries and reports are ordered by identity columns in Postgres, which grow across
 * every node. Copied ones get values this far below zero plus their place in Redis, stable
 * from one run to the next, and older than anything the nodes write afterwards.
 */
const COPIED_BELOW = 1_000_000_000_000_000;

interface ModerationSnapshot {
  settings: Record<string, string>;
  moderators: string[];
  invited: string[];
  bans: Record<string, string>;
  mutes: Record<string, string>;
  /** Newest first. */
  audit: string[];
  reports: Record<string, string>;
  /** Report id, score, report id, score… (ZRANGE WITHSCORES). */
  open: string[];
  resolved: string[];
  resolutions: Record<string, string>;
}

/** A room's moderation keys read in one MULTI (they share its hash tag). */
async function readModeration(redis: RedisClient, prefix: string, room: string) {
  const key = (what: string) => `${prefix}{${room}}:${what}`;
  const replies = await redis
    .multi()
    .hgetall(key('settings'))
    .smembers(key('moderators'))
    .smembers(key('invited'))
    .hgetall(key('bans'))
    .hgetall(key('mutes'))
    .lrange(key('audit'), 0, -1)
    .hgetall(key('reports'))
    .zrange(key('reports:open'), 0, -1, 'WITHSCORES')
    .zrange(key('reports:resolved'), 0, -1, 'WITHSCORES')
    .hgetall(key('reports:resolution'))
    .exec();
  if (!replies) throw new Error(`reading the moderation of ${room} was aborted`);
  const failed = replies.find(([err]) => err)?.[0];
  if (failed) throw failed;
  const v = replies.map(([, value]) => value);
  return {
    settings: v[0],
    moderators: v[1],
    invited: v[2],
    bans: v[3],
    mutes: v[4],
    audit: v[5],
    reports: v[6],
    open: v[7],
    resolved: v[8],
    resolutions: v[9],
  } as ModerationSnapshot;
}

const MODERATION_SQL = {
  roomSettings: {
    table: 'room_settings',
    columns: ['room', 'owner', 'private', 'topic', 'created_at'],
  },
  moderators: { table: 'room_moderators', columns: ['room', 'user_id'] },
  invites: { table: 'room_invites', columns: ['room', 'user_id'] },
  sanctions: {
    table: 'room_sanctions',
    columns: ['room', 'kind', 'user_id', 'until', 'by_user', 'reason'],
  },
  audit: {
    table: 'room_audit',
    columns: ['room', 'id', 'at', 'by_user', 'action', 'target', 'detail'],
    overriding: true,
  },
  reports: {
    table: 'room_reports',
    columns: [
      'room',
      'id',
      'seq',
      'message_id',
      'by_user',
      'reason',
      'at',
      'quote',
      'resolved_by',
      'resolved_at',
      'resolved_seq',
    ],
    overriding: true,
  },
} satisfies Record<string, BatchInsert>;
type ModerationKind = keyof typeof MODERATION_SQL;

const scores = (flat: string[]): Map<string, number> => {
  const map = new Map<string, number>();
  for (let i = 0; i + 1 < flat.length; i += 2) map.set(flat[i] as string, Number(flat[i + 1]));
  return map;
};

function sanctionRows(room: string, kind: 'ban' | 'mute', hash: Record<string, string>) {
  return Object.entries(hash).map(([userId, json]) => {
    const s = JSON.parse(json) as { until: number | null; by: string; reason?: string };
    const reason = s.reason === undefined ? null : roomText(s.reason);
    return [room, kind, userId, s.until, s.by, reason];
  });
}

function auditRows(room: string, entries: string[]) {
  // Newest first in Redis; counted from the oldest, which keeps its place as entries arrive.
  return entries.map((json, i) => {
    const e = JSON.parse(json) as {
      at: number;
      by: string;
      action: string;
      target?: string;
      detail?: string;
    };
    const detail = e.detail === undefined ? null : encodeText(e.detail);
    return [
      room,
      entries.length - 1 - i - COPIED_BELOW,
      e.at,
      e.by,
      e.action,
      e.target ?? null,
      detail,
    ];
  });
}

interface Filing {
  id: string;
  messageId: string;
  by: string;
  reason: string;
  at: number;
  quote?: { author: { name: string }; text: string };
}

function reportRows(room: string, m: ModerationSnapshot) {
  const open = scores(m.open);
  const resolved = scores(m.resolved);
  const rows: unknown[][] = [];
  for (const [id, json] of Object.entries(m.reports)) {
    // A report in neither set was being forgotten: the Redis store lists it nowhere.
    const seq = open.get(id) ?? resolved.get(id);
    if (seq === undefined) continue;
    const f = JSON.parse(json) as Filing;
    const quote = f.quote && {
      ...f.quote,
      author: { ...f.quote.author, name: decodeText(f.quote.author.name) },
      text: decodeText(f.quote.text),
    };
    const res = resolved.has(id) ? m.resolutions[id] : undefined;
    const how = res === undefined ? undefined : (JSON.parse(res) as { by: string; at: number });
    const resolvedSeq = resolved.get(id);
    rows.push([
      ...[room, id, seq - COPIED_BELOW, f.messageId, f.by, roomText(f.reason), f.at],
      quote ? JSON.stringify(quote) : null,
      ...[
        how?.by ?? null,
        how?.at ?? null,
        resolvedSeq === undefined ? null : resolvedSeq - COPIED_BELOW,
      ],
    ]);
  }
  return rows;
}

function moderationRows(room: string, m: ModerationSnapshot): Record<ModerationKind, unknown[][]> {
  const s = m.settings;
  return {
    roomSettings:
      s.createdAt === undefined
        ? []
        : [
            [
              room,
              s.owner ?? null,
              s.private === '1',
              s.topic === undefined ? null : roomText(s.topic),
              Number(s.createdAt),
            ],
          ],
    moderators: m.moderators.map((id) => [room, id]),
    invites: m.invited.map((id) => [room, id]),
    sanctions: [...sanctionRows(room, 'ban', m.bans), ...sanctionRows(room, 'mute', m.mutes)],
    audit: auditRows(room, m.audit),
    reports: reportRows(room, m),
  };
}

/** The rooms with moderation keys (of the types the Redis store gives them). */
async function moderationRooms(redis: RedisClient, keys: string[], prefix: string) {
  const start = `${prefix}{`;
  const candidates: { room: string; key: string; type: string }[] = [];
  for (const key of keys) {
    if (!key.startsWith(start)) continue;
    for (const [what, type] of Object.entries(MODERATION_KEYS)) {
      if (key.endsWith(`}:${what}`))
        candidates.push({ room: key.slice(start.length, -`}:${what}`.length), key, type });
    }
  }
  const types = await inBatches(candidates, (c) => redis.type(c.key));
  return [...new Set(candidates.filter((c, i) => types[i] === c.type).map((c) => c.room))];
}

async function migrateModeration(
  redis: RedisClient,
  pool: PostgresPool,
  prefix: string,
  keys: string[],
  count: Counter,
): Promise<void> {
  for (const room of await moderationRooms(redis, keys, prefix)) {
    const rows = moderationRows(room, await readModeration(redis, prefix, room));
    // One room at a time, wholly or not at all.
    const written = await inTransaction(pool, async (client) => {
      const done: Partial<Record<ModerationKind, number>> = {};
      for (const kind of Object.keys(MODERATION_SQL) as ModerationKind[]) {
        done[kind] = await insertBatch(client, MODERATION_SQL[kind], rows[kind]);
      }
      return done;
    });
    for (const kind of Object.keys(MODERATION_SQL) as ModerationKind[]) {
      count(kind, rows[kind].length, written[kind] ?? 0);
    }
  }
}

// ---------------------------------------------------------------------------------------

const USER_KEY = /^user:\{([^}]+)\}:(conversations|read|rooms|invitations)$/;
const ACCOUNT_KEY = /^user:([^:{}]+)$/;

/**
 * Copies everything a Redis-backed deployment under `prefix` holds into the Postgres
 * database of `pool`, whose schema must be migrated (POSTGRES_MIGRATIONS). Returns, per
 * kind, the rows read and the rows that were not in Postgres yet. `redis` and `pool` belong
 * to the caller.
 */
export async function migrateFromRedis(
  redis: RedisClient,
  pool: PostgresPool,
  options: MigrateOptions,
): Promise<MigrationCounts> {
  const { prefix } = options;
  const now = (options.now ?? Date.now)();
  const counts = Object.fromEntries(
    KINDS.map((k) => [k, { read: 0, written: 0 }]),
  ) as MigrationCounts;
  const count: Counter = (kind, read, written) => {
    counts[kind].read += read;
    counts[kind].written += written;
  };
  const keys = await scanKeys(redis, `${globEscape(prefix)}*`);
  const local = keys.map((k) => k.slice(prefix.length));
  const accounts = local.flatMap((k) => ACCOUNT_KEY.exec(k)?.[1] ?? []);
  const userKeys = local.flatMap((k) => {
    const m = USER_KEY.exec(k);
    return m ? [{ userId: m[1] as string, kind: m[2] as UserKind, key: prefix + k }] : [];
  });
  // Users first: sessions refer to them.
  await migrateAccounts(redis, pool, prefix, accounts, count);
  await migrateSessions(
    redis,
    pool,
    keys.filter((k) => k.startsWith(`${prefix}session:`)),
    now,
    count,
  );
  await migrateHistory(redis, pool, historyRooms(keys, prefix), count);
  await migrateUserKeys(redis, pool, prefix, userKeys, count);
  await migrateModeration(redis, pool, prefix, keys, count);
  return counts;
}
