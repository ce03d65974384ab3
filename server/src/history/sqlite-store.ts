import type { Message } from '../../../common/contract.js';
import type { SqliteDatabase } from '../storage/sqlite.js';
import {
  authorOf,
  compareIdKeys,
  createIdClock,
  dedupScope,
  InvalidCursorError,
  parseId,
  StoreUnavailableError,
  type AppendResult,
  type HistoryStore,
  type HistoryStoreOptions,
  type IdKey,
  type Page,
  type Replay,
} from './store.js';

export type SqliteStoreOptions = HistoryStoreOptions;

interface Row {
  room: string;
  ms: number;
  seq: number;
  author: string;
  text: string;
}

const toMessage = (r: Row): Message => ({
  id: `${r.ms}-${r.seq}`,
  room: r.room,
  author: authorOf(JSON.parse(r.author) as Message['author']),
  text: r.text,
  ts: r.ms,
});

/** Expired clientIds are swept this many at a time, on appends. */
const SWEEP_BATCH = 100;

/**
 * History in SQLite: the embedded default of a single node, kept across restarts. Ids are
 * `<ms>-<seq>` like the other stores', and keep increasing across restarts and clock steps,
 * so that an id a client holds from before a restart is found again (no false gap).
 */
export function createSqliteHistoryStore(
  db: SqliteDatabase,
  options: SqliteStoreOptions,
): HistoryStore {
  const now = options.now ?? Date.now;
  const q = {
    newest: db.prepare<[], { ms: number; seq: number }>(
      'SELECT ms, seq FROM messages ORDER BY ms DESC, seq DESC LIMIT 1',
    ),
    insert: db.prepare('INSERT INTO messages (room, ms, seq, author, text) VALUES (?, ?, ?, ?, ?)'),
    countUp: db.prepare(
      `INSERT INTO rooms (name, count) VALUES (?, 1)
       ON CONFLICT (name) DO UPDATE SET count = count + 1 RETURNING count`,
    ),
    oldest: db.prepare<[string, number], { ms: number; seq: number }>(
      'SELECT ms, seq FROM messages WHERE room = ? ORDER BY ms, seq LIMIT ?',
    ),
    trimTo: db.prepare(
      `DELETE FROM messages WHERE room = @room AND (ms < @ms OR (ms = @ms AND seq <= @seq))`,
    ),
    setTrimmed: db.prepare(
      'UPDATE rooms SET count = count - @n, trimmed_ms = @ms, trimmed_seq = @seq WHERE name = @room',
    ),
    dedupGet: db.prepare<[string, number], { message: string; origin: string }>(
      'SELECT message, origin FROM dedup WHERE key = ? AND expires_at > ?',
    ),
    dedupPut: db.prepare(
      `INSERT INTO dedup (key, message, origin, expires_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET message = excluded.message, origin = excluded.origin,
         expires_at = excluded.expires_at`,
    ),
    dedupSweep: db.prepare(
      `DELETE FROM dedup WHERE rowid IN
         (SELECT rowid FROM dedup WHERE expires_at <= ? LIMIT ${SWEEP_BATCH})`,
    ),
    latest: db.prepare<[string, number], Row>(
      `SELECT room, ms, seq, author, text FROM messages WHERE room = ?
       ORDER BY ms DESC, seq DESC LIMIT ?`,
    ),
    before: db.prepare<[string, number, number, number, number], Row>(
      `SELECT room, ms, seq, author, text FROM messages
       WHERE room = ? AND (ms < ? OR (ms = ? AND seq < ?))
       ORDER BY ms DESC, seq DESC LIMIT ?`,
    ),
    after: db.prepare<[string, number, number, number], Row>(
      `SELECT room, ms, seq, author, text FROM messages
       WHERE room = ? AND (ms > ? OR (ms = ? AND seq > ?)) ORDER BY ms, seq`,
    ),
    held: db.prepare<[string, number, number], { n: number }>(
      'SELECT 1 AS n FROM messages WHERE room = ? AND ms = ? AND seq = ?',
    ),
    heldUpTo: db.prepare<[string, number, number, number], { n: number }>(
      `SELECT 1 AS n FROM messages WHERE room = ? AND (ms < ? OR (ms = ? AND seq <= ?)) LIMIT 1`,
    ),
    trimmed: db.prepare<[string], { ms: number | null; seq: number | null }>(
      'SELECT trimmed_ms AS ms, trimmed_seq AS seq FROM rooms WHERE name = ?',
    ),
    rooms: db.prepare<[], { name: string }>('SELECT name FROM rooms WHERE count > 0'),
    hasRoom: db.prepare<[string], { n: number }>(
      'SELECT 1 AS n FROM messages WHERE room = ? LIMIT 1',
    ),
    activity: db.prepare<[], { room: string; ms: number }>(
      'SELECT room, MAX(ms) AS ms FROM messages GROUP BY room',
    ),
    deleteMessages: db.prepare('DELETE FROM messages WHERE room = ?'),
    deleteRoomRow: db.prepare('DELETE FROM rooms WHERE name = ?'),
    deleteDedup: db.prepare('DELETE FROM dedup WHERE key >= ? AND key < ?'),
  };

  const newest = q.newest.get();
  const nextKey = createIdClock(now, newest ? [newest.ms, newest.seq] : undefined);

  const trim = (room: string, count: number): void => {
    const excess = count - options.limit;
    if (excess <= 0) return;
    const edge = q.oldest.all(room, excess).at(-1);
    if (!edge) return;
    q.trimTo.run({ room, ms: edge.ms, seq: edge.seq });
    q.setTrimmed.run({ room, n: excess, ms: edge.ms, seq: edge.seq });
  };

  // One transaction per append: the dedup check, the insert, the trim and the dedup record
  // happen together or not at all, so concurrent retries store one message.
  const append = db.transaction(
    (room: string, author: Message['author'], text: string, dedupKey: string, origin: string) => {
      const at = now();
      const seen = q.dedupGet.get(dedupKey, at);
      if (seen) {
        const message = JSON.parse(seen.message) as Message;
        return { message, duplicate: true, origin: seen.origin };
      }
      q.dedupSweep.run(at);
      const key = nextKey();
      const last = q.latest.get(room, 1) ?? q.trimmed.get(room);
      const prev = last?.ms != null && last.seq != null ? `${last.ms}-${last.seq}` : undefined;
      q.insert.run(room, key[0], key[1], JSON.stringify(author), text);
      const { count } = q.countUp.get(room) as { count: number };
      trim(room, count);
      const message: Message = { id: `${key[0]}-${key[1]}`, room, author, text, ts: key[0] };
      q.dedupPut.run(dedupKey, JSON.stringify(message), origin, at + options.dedupTtlMs);
      return { message, duplicate: false, origin, ...(prev ? { prev } : {}) };
    },
  );

  const page = (rows: Row[], limit: number): Page => ({
    messages: rows.slice(0, limit).reverse().map(toMessage),
    hasMore: rows.length > limit,
  });

  // The database is on this machine, so a failure is not a passing outage, except a lock
  // held by someone else for longer than busy_timeout, which a retry may get past.
  // eslint-disable-next-line @typescript-eslint/require-await -- turns a throw into a rejection
  const run = async <T>(work: () => T): Promise<T> => {
    try {
      return work();
    } catch (err) {
      if ((err as { code?: unknown }).code === 'SQLITE_BUSY') throw new StoreUnavailableError(err);
      throw err;
    }
  };

  return {
    append: (input) =>
      run((): AppendResult => {
        const author = authorOf(input.author);
        const dedupKey = `${input.room}\n${dedupScope(author)}\n${input.clientId}`;
        return append(input.room, author, input.text, dedupKey, input.origin);
      }),

    latest: (room, limit) => run(() => page(q.latest.all(room, limit + 1), limit)),

    after: (room, id) =>
      run(() => {
        const key = parseId(id);
        const gap: Replay = { messages: [], gap: true, gapReason: 'unknown', hasMore: false };
        if (!key) return gap;
        const row = q.trimmed.get(room);
        const edge: IdKey | undefined =
          row?.ms != null && row.seq != null ? [row.ms, row.seq] : undefined;
        // Continuity holds only from an id this store issued and still knows: the id itself
        // is held, or it is exactly the newest id trimmed away.
        const isEdge = edge !== undefined && compareIdKeys(edge, key) === 0;
        if (!isEdge && !q.held.get(room, key[0], key[1])) {
          const trimmed = edge !== undefined && compareIdKeys(key, edge) < 0;
          return trimmed ? { ...gap, gapReason: 'trimmed' } : gap;
        }
        return {
          messages: q.after.all(room, key[0], key[0], key[1]).map(toMessage),
          gap: false,
          hasMore: q.heldUpTo.get(room, key[0], key[0], key[1]) !== undefined,
        };
      }),

    before: (room, id, limit) => {
      const key = parseId(id);
      if (!key) return Promise.reject(new InvalidCursorError());
      return run(() => page(q.before.all(room, key[0], key[0], key[1], limit + 1), limit));
    },

    rooms: () => run(() => q.rooms.all().map((r) => r.name)),
    hasRoom: (room) => run(() => q.hasRoom.get(room) !== undefined),
    roomActivity: () => run(() => new Map(q.activity.all().map((r) => [r.room, r.ms]))),
    deleteRoom: (room) =>
      run(() => {
        db.transaction(() => {
          q.deleteMessages.run(room);
          q.deleteRoomRow.run(room);
          // Dedup keys start with the room and a newline: the range [room\n, room\u000b).
          q.deleteDedup.run(`${room}\n`, `${room}\u000b`);
        })();
      }),

    close: () => Promise.resolve(),
  };
}
