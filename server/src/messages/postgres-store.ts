import type pg from 'pg';
import type { Message } from '../../../common/contract.js';
import {
  inTransaction,
  pgCall,
  type Migration,
  type PostgresPool,
  type Queryable,
} from '../storage/postgres.js';
import { decodeText, encodeText } from '../storage/text-codec.js';
import { goneQuote } from './quotes.js';
import { extraOf, fromExtra } from './message-extra.js';
import {
  applyChange,
  authorOf,
  compareIdKeys,
  createIdClock,
  dedupScope,
  idOf,
  InvalidCursorError,
  parseId,
  type AppendInput,
  type AppendResult,
  type ChangeOutcome,
  type HistoryStore,
  type HistoryStoreOptions,
  type IdKey,
  type MessageChange,
  type Page,
  type Purged,
  type Replay,
  sumCounts,
} from './store.js';

/**
 * The history's schema. Every table is keyed by room first, so that it could be distributed
 * by room. Rooms, authors' names and texts are stored through the text codec; what a message
 * holds besides (reactions, the quote it answers, mentions) is JSON in a TEXT column, whose
 * escapes keep NUL and lone surrogates, which JSONB would refuse.
 * - `history_rooms`: one row per room, locked by every write to the room so that appends and
 *   changes from all nodes take turns; it holds the room's newest position (`head`), how many
 *   messages and change positions it holds, and the newest of each trimmed away (the edge a
 *   client may still resume from).
 * - `messages`: a message as it is now, with the position of its latest change (`pos`).
 * - `message_changes`: the positions of changes, so that a client resuming from one is known.
 * - `message_dedup`: every clientId an author sent to a room, with the key of the message it
 *   stored and the connection that stored it: a retry, however late, gets that message back.
 *   (`messages-2`; `messages-1` kept a copy of the whole message, twice its size on disk.)
 * - `messages.reply_ms/reply_seq` (`messages-2`): the message a reply quotes, so that purging
 *   a message finds the replies that still hold its words.
 */
export const messagesMigrations: readonly Migration[] = [
  {
    id: 'messages-1',
    sql: `
      CREATE TABLE history_rooms (
        room TEXT PRIMARY KEY,
        head_ms BIGINT,
        head_seq BIGINT,
        messages INTEGER NOT NULL DEFAULT 0,
        changes INTEGER NOT NULL DEFAULT 0,
        trimmed_ms BIGINT,
        trimmed_seq BIGINT,
        changes_trimmed_ms BIGINT,
        changes_trimmed_seq BIGINT,
        last_ms BIGINT
      );
      CREATE TABLE messages (
        room TEXT NOT NULL,
        ms BIGINT NOT NULL,
        seq BIGINT NOT NULL,
        pos_ms BIGINT NOT NULL,
        pos_seq BIGINT NOT NULL,
        author_id TEXT NOT NULL,
        author_name TEXT NOT NULL,
        guest BOOLEAN NOT NULL,
        bot BOOLEAN NOT NULL,
        text TEXT NOT NULL,
        extra TEXT,
        PRIMARY KEY (room, ms, seq)
      );
      CREATE INDEX messages_pos ON messages (room, pos_ms, pos_seq);
      CREATE TABLE message_changes (
        room TEXT NOT NULL,
        ms BIGINT NOT NULL,
        seq BIGINT NOT NULL,
        PRIMARY KEY (room, ms, seq)
      );
      CREATE TABLE message_dedup (
        room TEXT NOT NULL,
        scope TEXT NOT NULL,
        client_id TEXT NOT NULL,
        origin TEXT NOT NULL,
        message TEXT NOT NULL,
        PRIMARY KEY (room, scope, client_id)
      );
    `,
  },
  {
    id: 'messages-2',
    // Ids are JSON's first key in both (`{"id":"<ms>-<seq>"`), so a pattern reads them: a
    // cast to json could refuse the escapes that keep NUL and lone surrogates.
    sql: `
      ALTER TABLE messages ADD COLUMN reply_ms BIGINT, ADD COLUMN reply_seq BIGINT;
      UPDATE messages SET
        reply_ms = substring(extra from '"replyTo":[{]"id":"([0-9]+)-')::bigint,
        reply_seq = substring(extra from '"replyTo":[{]"id":"[0-9]+-([0-9]+)"')::bigint
      WHERE extra LIKE '%"replyTo":{"id":"%';
      CREATE INDEX messages_reply ON messages (room, reply_ms, reply_seq)
        WHERE reply_ms IS NOT NULL;
      ALTER TABLE message_dedup ADD COLUMN ms BIGINT, ADD COLUMN seq BIGINT;
      UPDATE message_dedup SET
        ms = substring(message from '^[{]"id":"([0-9]+)-')::bigint,
        seq = substring(message from '^[{]"id":"[0-9]+-([0-9]+)"')::bigint;
      ALTER TABLE message_dedup ALTER COLUMN ms SET NOT NULL, ALTER COLUMN seq SET NOT NULL,
        DROP COLUMN message;
      CREATE INDEX message_dedup_message ON message_dedup (room, ms, seq);
    `,
  },
];

/**
 * Postgres keeps clientIds for good (until their room is deleted), so `dedupTtlMs` is not
 * used: a retry hours later is still recognised.
 */
export type PostgresStoreOptions = HistoryStoreOptions;

/** A message row; BIGINT columns arrive as strings. */
interface Row {
  room: string;
  ms: string;
  seq: string;
  pos_ms: string;
  pos_seq: string;
  author_id: string;
  author_name: string;
  guest: boolean;
  bot: boolean;
  text: string;
  extra: string | null;
}

const COLUMNS =
  'm.room, m.ms, m.seq, m.pos_ms, m.pos_seq, m.author_id, m.author_name, m.guest, m.bot, m.text, m.extra';

const toMessage = (r: Row): Message => {
  const changed = r.pos_ms !== r.ms || r.pos_seq !== r.seq;
  return {
    id: `${r.ms}-${r.seq}`,
    room: decodeText(r.room),
    author: authorOf({
      id: decodeText(r.author_id),
      name: decodeText(r.author_name),
      ...(r.guest ? { guest: true } : {}),
      ...(r.bot ? { bot: true } : {}),
    }),
    text: decodeText(r.text),
    ts: Number(r.ms),
    ...fromExtra(r.extra),
    ...(changed ? { pos: `${r.pos_ms}-${r.pos_seq}` } : {}),
  };
};

interface KeyRow {
  ms: string | null;
  seq: string | null;
}
const keyOf = (k: KeyRow | undefined): IdKey | undefined =>
  k?.ms != null && k.seq != null ? [Number(k.ms), Number(k.seq)] : undefined;

/** The room's next position after its head, by the rule of `createIdClock`. */
const nextPosition = (now: number, head: IdKey | undefined): IdKey =>
  createIdClock(() => now, head)();

/** Keeps a room's row locked until the transaction ends, and reads its head. */
const LOCK_ROOM = `INSERT INTO history_rooms (room) VALUES ($1)
  ON CONFLICT (room) DO UPDATE SET room = excluded.room
  RETURNING head_ms AS ms, head_seq AS seq`;

// The clientId's row is the dedup: when the author already sent it to the room, nothing
// else is written and no row comes back. The room's row is locked, so no other node is
// between this and the commit.
const INSERT_MESSAGE = `WITH d AS (
    INSERT INTO message_dedup (room, scope, client_id, origin, ms, seq)
    VALUES ($1, $10, $11, $12, $2, $3) ON CONFLICT DO NOTHING RETURNING 1
  ), m AS (
    INSERT INTO messages (room, ms, seq, pos_ms, pos_seq, author_id, author_name, guest, bot,
      text, extra, reply_ms, reply_seq)
    SELECT $1, $2::bigint, $3::bigint, $2::bigint, $3::bigint, $4::text, $5::text,
      $6::boolean, $7::boolean, $8::text, $9::text, $13::bigint, $14::bigint
    WHERE EXISTS (SELECT 1 FROM d)
  )
  UPDATE history_rooms SET head_ms = $2, head_seq = $3, messages = messages + 1, last_ms = $2
  WHERE room = $1 AND EXISTS (SELECT 1 FROM d) RETURNING messages AS count`;

// The message as it is now (a retry after an edit gets the edited one).
const STORED = `SELECT ${COLUMNS}, d.origin FROM message_dedup d
  JOIN messages m ON m.room = d.room AND m.ms = d.ms AND m.seq = d.seq
  WHERE d.room = $1 AND d.scope = $2 AND d.client_id = $3`;

const UPDATE_MESSAGE = `WITH m AS (
    UPDATE messages SET pos_ms = $4, pos_seq = $5, text = $6, extra = $7
    WHERE room = $1 AND ms = $2 AND seq = $3
  ), c AS (
    INSERT INTO message_changes (room, ms, seq) VALUES ($1, $4, $5)
  )
  UPDATE history_rooms SET head_ms = $4, head_seq = $5, changes = changes + 1, last_ms = $4
  WHERE room = $1 RETURNING changes AS count`;

/** Drops the room's oldest `$2` rows of a table and records the newest dropped as its edge. */
const trimSql = (table: string, count: string, edge: string) => `WITH gone AS (
    DELETE FROM ${table} WHERE room = $1 AND (ms, seq) IN (
      SELECT ms, seq FROM ${table} WHERE room = $1 ORDER BY ms, seq LIMIT $2
    ) RETURNING ms, seq
  ), newest AS (SELECT ms, seq FROM gone ORDER BY ms DESC, seq DESC LIMIT 1)
  UPDATE history_rooms SET ${count} = ${count} - (SELECT count(*) FROM gone),
    ${edge}_ms = newest.ms, ${edge}_seq = newest.seq
  FROM newest WHERE room = $1`;

/**
 * Deletes the room's oldest `$3` rows of a table made before `$2` ms, records the newest
 * deleted as its edge and returns it, with how many went.
 */
const purgeSql = (table: string, count: string, edge: string) => `WITH gone AS (
    DELETE FROM ${table} WHERE room = $1 AND (ms, seq) IN (
      SELECT ms, seq FROM ${table} WHERE room = $1 AND ms < $2 ORDER BY ms, seq LIMIT $3
    ) RETURNING ms, seq
  ), newest AS (SELECT ms, seq FROM gone ORDER BY ms DESC, seq DESC LIMIT 1)
  UPDATE history_rooms SET ${count} = ${count} - (SELECT count(*) FROM gone),
    ${edge}_ms = newest.ms, ${edge}_seq = newest.seq
  FROM newest WHERE room = $1
  RETURNING newest.ms, newest.seq, (SELECT count(*) FROM gone) AS n`;

const PURGE = {
  messages: purgeSql('messages', 'messages', 'trimmed'),
  changes: purgeSql('message_changes', 'changes', 'changes_trimmed'),
  dedup: 'DELETE FROM message_dedup WHERE room = $1 AND (ms, seq) <= ($2, $3)',
  quoting: `SELECT ${COLUMNS} FROM messages m WHERE room = $1 AND reply_ms IS NOT NULL
    AND (reply_ms, reply_seq) <= ($2, $3)`,
  unquote: `UPDATE messages SET extra = $4, reply_ms = NULL, reply_seq = NULL
    WHERE room = $1 AND ms = $2 AND seq = $3`,
} as const;

interface PurgedRow {
  ms: string;
  seq: string;
  n: string;
}

/** Deletes what a retention says is too old, in the transaction that holds the room's row. */
async function purgeIn(
  client: Queryable,
  room: string,
  beforeMs: number,
  max: number,
): Promise<Purged> {
  const locked = await client.query('SELECT 1 FROM history_rooms WHERE room = $1 FOR UPDATE', [
    room,
  ]);
  if (locked.rows.length === 0) return { messages: 0, changes: 0 };
  const gone = (await client.query<PurgedRow>(PURGE.messages, [room, beforeMs, max])).rows[0];
  if (gone) {
    const edge = [room, gone.ms, gone.seq];
    await client.query(PURGE.dedup, edge);
    for (const row of (await client.query<Row>(PURGE.quoting, edge)).rows) {
      const reply = toMessage(row);
      if (!reply.replyTo) continue;
      const extra = extraOf({ ...reply, replyTo: goneQuote(reply.replyTo) });
      await client.query(PURGE.unquote, [room, row.ms, row.seq, extra]);
    }
  }
  const changes = (await client.query<PurgedRow>(PURGE.changes, [room, beforeMs, max])).rows[0];
  return { messages: Number(gone?.n ?? 0), changes: Number(changes?.n ?? 0) };
}

/** The clientIds of messages trimmed away: they must not answer a retry with nothing. */
const FORGET_TRIMMED = `DELETE FROM message_dedup WHERE room = $1 AND (ms, seq) <=
  (SELECT trimmed_ms, trimmed_seq FROM history_rooms WHERE room = $1)`;

const TRIM = {
  messages: trimSql('messages', 'messages', 'trimmed'),
  changes: trimSql('message_changes', 'changes', 'changes_trimmed'),
} as const;

/**
 * Keeps a room within `limit` messages, and `limit` change positions, by dropping the oldest.
 * Called in the transaction that added one, with the count it left.
 */
async function trim(
  client: Queryable,
  room: string,
  kind: keyof typeof TRIM,
  count: number,
  limit: number | undefined,
): Promise<void> {
  if (limit === undefined || count <= limit) return;
  await client.query(TRIM[kind], [room, count - limit]);
  if (kind === 'messages') await client.query(FORGET_TRIMMED, [room]);
}

// The head in the same statement as the messages, so in the same snapshot: a head read
// later could name a message that the page lacks, and a client resuming from it would skip it.
// A room holds at least one message for as long as it has a head.
const LATEST = `SELECT ${COLUMNS},
    (SELECT head_ms FROM history_rooms WHERE room = $1) AS head_ms,
    (SELECT head_seq FROM history_rooms WHERE room = $1) AS head_seq
  FROM messages m WHERE room = $1 ORDER BY ms DESC, seq DESC LIMIT $2`;

/** What `after` needs to prove continuity from a position, read in one statement. */
const CONTINUITY = `SELECT trimmed_ms, trimmed_seq, changes_trimmed_ms, changes_trimmed_seq,
    head_ms, head_seq,
    EXISTS (SELECT 1 FROM messages WHERE room = $1 AND ms = $2 AND seq = $3) AS held,
    EXISTS (SELECT 1 FROM message_changes WHERE room = $1 AND ms = $2 AND seq = $3)
      AS held_change,
    EXISTS (SELECT 1 FROM messages WHERE room = $1 AND (ms, seq) <= ($2, $3)) AS older
  FROM history_rooms WHERE room = $1`;

interface Continuity {
  trimmed_ms: string | null;
  trimmed_seq: string | null;
  changes_trimmed_ms: string | null;
  changes_trimmed_seq: string | null;
  head_ms: string | null;
  head_seq: string | null;
  held: boolean;
  held_change: boolean;
  older: boolean;
}

const GAP: Replay = { messages: [], gap: true, gapReason: 'unknown', hasMore: false };

/** The gap to report after `key`, from what CONTINUITY read; undefined when there is none. */
function gapAfter(key: IdKey, c: Continuity): Replay | undefined {
  const edge = keyOf({ ms: c.trimmed_ms, seq: c.trimmed_seq });
  const changesEdge = keyOf({ ms: c.changes_trimmed_ms, seq: c.changes_trimmed_seq });
  const same = (a: IdKey | undefined) => a !== undefined && compareIdKeys(a, key) === 0;
  const olderThan = (a: IdKey | undefined) => a !== undefined && compareIdKeys(key, a) < 0;
  // Messages after the position were trimmed away: it cannot be caught up from.
  if (olderThan(edge)) return { ...GAP, gapReason: 'trimmed' };
  // Otherwise continuity holds only from a position this store issued and still knows: a
  // held message's, a held change's, or exactly the newest one trimmed away.
  const known = same(edge) || same(changesEdge) || c.held || c.held_change;
  if (!known) return olderThan(changesEdge) ? { ...GAP, gapReason: 'trimmed' } : GAP;
  return undefined;
}

const noop = (): void => undefined;

/**
 * History in PostgreSQL, shared by every node of a deployment. Each write to a room locks
 * the room's row for its transaction, so that ids and positions, made from the room's head
 * with the rule of `createIdClock`, increase strictly across nodes; it is acknowledged only
 * after its commit. `pool` belongs to the caller.
 */
// eslint-disable-next-line max-lines-per-function -- a factory of small closures (its methods), each well under the limit
export function createPostgresHistoryStore(
  pool: PostgresPool,
  options: PostgresStoreOptions,
): HistoryStore {
  const now = options.now ?? Date.now;
  const read = <R extends pg.QueryResultRow>(sql: string, values: unknown[]) =>
    pgCall(async () => (await pool.query<R>(sql, values)).rows);

  // The writes this node was asked for, per room, run one after another in the order asked,
  // and a read waits for those asked before it: a caller that sends and then reads sees what
  // it sent, and appends keep the order they were made in. Other nodes' writes interleave,
  // which the room's row lock orders.
  const turns = new Map<string, Promise<unknown>>();
  const inTurn = <T>(room: string, work: () => Promise<T>): Promise<T> => {
    const tail = turns.get(room);
    const run = tail ? tail.then(work, work) : work();
    turns.set(room, run);
    const forget = () => {
      if (turns.get(room) === run) turns.delete(room);
    };
    run.then(forget, forget);
    return run;
  };
  const written = async (room?: string): Promise<void> => {
    const one = room === undefined ? undefined : turns.get(room);
    const waits = room === undefined ? [...turns.values()] : one ? [one] : [];
    await Promise.all(waits.map((w) => w.then(noop, noop)));
  };

  const appendIn = async (client: pg.PoolClient, input: AppendInput): Promise<AppendResult> => {
    const room = encodeText(input.room);
    const author = authorOf(input.author);
    const dedup = [room, encodeText(dedupScope(author)), encodeText(input.clientId)];
    const head = keyOf((await client.query<KeyRow>(LOCK_ROOM, [room])).rows[0]);
    const key = nextPosition(now(), head);
    const message: Message = {
      id: idOf(key),
      room: input.room,
      author,
      text: input.text,
      ts: key[0],
      ...(input.replyTo ? { replyTo: input.replyTo } : {}),
      ...(input.mentions?.length ? { mentions: input.mentions } : {}),
    };
    const { rows } = await client.query<{ count: number }>(INSERT_MESSAGE, [
      ...[room, key[0], key[1], encodeText(author.id), encodeText(author.name)],
      ...[author.guest === true, author.bot === true, encodeText(message.text), extraOf(message)],
      ...[dedup[1], dedup[2], encodeText(input.origin)],
      ...(parseId(message.replyTo?.id ?? '') ?? [null, null]),
    ]);
    const stored = rows[0];
    if (!stored) {
      const seen = (await client.query<Row & { origin: string }>(STORED, dedup)).rows;
      const first = seen[0];
      if (!first) throw new Error('a clientId conflicted but is not stored');
      return { message: toMessage(first), duplicate: true, origin: decodeText(first.origin) };
    }
    await trim(client, room, 'messages', stored.count, options.limit);
    return {
      message,
      duplicate: false,
      origin: input.origin,
      ...(head ? { prev: idOf(head) } : {}),
    };
  };

  const changeIn = async (
    client: pg.PoolClient,
    room: string,
    id: IdKey,
    what: MessageChange,
  ): Promise<ChangeOutcome> => {
    const locked = await client.query<KeyRow>(
      'SELECT head_ms AS ms, head_seq AS seq FROM history_rooms WHERE room = $1 FOR UPDATE',
      [room],
    );
    const found = await client.query<Row>(
      `SELECT ${COLUMNS} FROM messages m WHERE room = $1 AND ms = $2 AND seq = $3`,
      [room, id[0], id[1]],
    );
    const row = found.rows[0];
    if (locked.rows.length === 0 || !row) return { status: 'refused', reason: 'not_found' };
    const current = toMessage(row);
    const result = applyChange(current, what);
    if ('refused' in result) return { status: 'refused', reason: result.refused };
    if ('unchanged' in result) return { status: 'unchanged', message: current };
    const head = keyOf(locked.rows[0]);
    const key = nextPosition(now(), head);
    const message: Message = { ...result.message, pos: idOf(key) };
    const { rows } = await client.query<{ count: number }>(UPDATE_MESSAGE, [
      ...[room, id[0], id[1], key[0], key[1]],
      ...[encodeText(message.text), extraOf(message)],
    ]);
    await trim(client, room, 'changes', rows[0]?.count ?? 0, options.limit);
    return { status: 'changed', message, ...(head ? { prev: idOf(head) } : {}) };
  };

  const page = (rows: Row[], limit: number): Page => ({
    messages: rows.slice(0, limit).reverse().map(toMessage),
    hasMore: rows.length > limit,
  });

  const latest = async (room: string, limit: number): Promise<Page> => {
    await written(room);
    const rows = await read<Row & { head_ms: string; head_seq: string }>(LATEST, [
      encodeText(room),
      limit + 1,
    ]);
    const first = rows[0];
    const result = page(rows, limit);
    return first ? { ...result, head: `${first.head_ms}-${first.head_seq}` } : result;
  };

  const after = async (name: string, id: string, limit?: number): Promise<Replay> => {
    const key = parseId(id);
    if (!key) return GAP;
    await written(name);
    const room = encodeText(name);
    // One snapshot for both reads: a trim committed between them would drop messages
    // from a replay that claims no gap.
    return inTransaction(pool, async (client) => {
      await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      const state = (await client.query<Continuity>(CONTINUITY, [room, key[0], key[1]])).rows[0];
      if (!state) return GAP;
      const gap = gapAfter(key, state);
      if (gap) return gap;
      // One more than may be shown, to tell; LIMIT NULL is none.
      const changed = await client.query<Row>(
        `SELECT ${COLUMNS} FROM messages m WHERE room = $1 AND (pos_ms, pos_seq) > ($2, $3)
         ORDER BY pos_ms, pos_seq LIMIT $4`,
        [room, key[0], key[1], limit === undefined ? null : limit + 1],
      );
      if (limit !== undefined && changed.rows.length > limit)
        return { ...GAP, gapReason: 'too_many' };
      const head = keyOf({ ms: state.head_ms, seq: state.head_seq });
      return {
        messages: changed.rows.map(toMessage),
        gap: false,
        hasMore: state.older,
        ...(head ? { head: idOf(head) } : {}),
      };
    });
  };

  return {
    append: (input) =>
      inTurn(input.room, () => inTransaction(pool, (client) => appendIn(client, input))),

    latest,

    get: async (room, id) => {
      const key = parseId(id);
      if (!key) return undefined;
      await written(room);
      const rows = await read<Row>(
        `SELECT ${COLUMNS} FROM messages m WHERE room = $1 AND ms = $2 AND seq = $3`,
        [encodeText(room), key[0], key[1]],
      );
      return rows[0] ? toMessage(rows[0]) : undefined;
    },

    unread: async (room, position, userId) => {
      const key = position === undefined ? [0, -1] : (parseId(position) ?? [0, -1]);
      await written(room);
      const rows = await read<Row>(
        `SELECT ${COLUMNS} FROM messages m WHERE room = $1 AND (ms, seq) > ($2, $3)
         ORDER BY ms, seq`,
        [encodeText(room), key[0], key[1]],
      );
      return sumCounts(rows.map(toMessage), userId);
    },

    change: (room, id, what) => {
      const key = parseId(id);
      if (!key) return Promise.resolve({ status: 'refused', reason: 'not_found' });
      return inTurn(room, () =>
        inTransaction(pool, (client) => changeIn(client, encodeText(room), key, what)),
      );
    },

    after,

    before: async (room, id, limit) => {
      const key = parseId(id);
      if (!key) throw new InvalidCursorError();
      await written(room);
      const rows = await read<Row>(
        `SELECT ${COLUMNS} FROM messages m WHERE room = $1 AND (ms, seq) < ($2, $3)
         ORDER BY ms DESC, seq DESC LIMIT $4`,
        [encodeText(room), key[0], key[1], limit + 1],
      );
      return page(rows, limit);
    },

    rooms: async () => {
      await written();
      const rows = await read<{ room: string }>(
        'SELECT room FROM history_rooms WHERE messages > 0',
        [],
      );
      return rows.map((r) => decodeText(r.room));
    },

    hasRoom: async (room) => {
      await written(room);
      const rows = await read('SELECT 1 FROM messages WHERE room = $1 LIMIT 1', [encodeText(room)]);
      return rows.length > 0;
    },

    roomActivity: async () => {
      await written();
      const rows = await read<{ room: string; ms: string }>(
        'SELECT room, COALESCE(last_ms, 0) AS ms FROM history_rooms WHERE messages > 0',
        [],
      );
      return new Map(rows.map((r) => [decodeText(r.room), Number(r.ms)]));
    },

    deleteRoom: (name) =>
      inTurn(name, () =>
        inTransaction(pool, async (client) => {
          const room = encodeText(name);
          // Locked first, so that an append on another node lands either wholly before the
          // deletion or in the room made afresh after it, never half in each.
          await client.query('SELECT 1 FROM history_rooms WHERE room = $1 FOR UPDATE', [room]);
          await client.query(
            `WITH m AS (DELETE FROM messages WHERE room = $1),
               c AS (DELETE FROM message_changes WHERE room = $1),
               d AS (DELETE FROM message_dedup WHERE room = $1)
             DELETE FROM history_rooms WHERE room = $1`,
            [room],
          );
        }),
      ),

    purge: (name, beforeMs, max) =>
      inTurn(name, () =>
        inTransaction(pool, (client) => purgeIn(client, encodeText(name), beforeMs, max)),
      ),

    close: () => written(),
  };
}
