import type { Message } from '../../../common/contract.js';
import type { SqliteDatabase } from '../storage/sqlite.js';
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
  StoreUnavailableError,
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

export type SqliteStoreOptions = HistoryStoreOptions;

interface Row {
  room: string;
  ms: number;
  seq: number;
  pos_ms: number;
  pos_seq: number;
  author: string;
  text: string;
  extra: string | null;
}

const COLUMNS = 'room, ms, seq, pos_ms, pos_seq, author, text, extra';

const toMessage = (r: Row): Message => {
  const changed = r.pos_ms !== r.ms || r.pos_seq !== r.seq;
  return {
    id: `${r.ms}-${r.seq}`,
    room: decodeText(r.room),
    author: authorOf(JSON.parse(r.author) as Message['author']),
    text: decodeText(r.text),
    ts: r.ms,
    ...fromExtra(r.extra),
    ...(changed ? { pos: `${r.pos_ms}-${r.pos_seq}` } : {}),
  };
};

interface Key {
  ms: number | null;
  seq: number | null;
}
const keyOf = (k: Key | undefined): IdKey | undefined =>
  k?.ms != null && k.seq != null ? [k.ms, k.seq] : undefined;
const newer = (a: IdKey | undefined, b: IdKey | undefined) =>
  !a ? b : !b ? a : compareIdKeys(a, b) >= 0 ? a : b;

/** Rooms whose newest position is kept in memory, at most. */
const HEADS_KEPT = 10_000;

/** Expired clientIds are swept this many at a time, on appends. */
const SWEEP_BATCH = 100;

/**
 * History in SQLite: the embedded default of a single node, kept across restarts. Ids and
 * positions are `<ms>-<seq>` like the other stores', and keep increasing across restarts and
 * clock steps, so that a position a client holds from before a restart is found again (no
 * false gap).
 */
// eslint-disable-next-line max-lines-per-function -- a factory of small closures (its methods), each well under the limit
export function createSqliteHistoryStore(
  db: SqliteDatabase,
  options: SqliteStoreOptions,
): HistoryStore {
  const now = options.now ?? Date.now;
  const q = {
    newest: db.prepare<[], Key>(
      `SELECT ms, seq FROM (SELECT pos_ms AS ms, pos_seq AS seq FROM messages
         UNION ALL SELECT ms, seq FROM changes) ORDER BY ms DESC, seq DESC LIMIT 1`,
    ),
    insert: db.prepare(
      `INSERT INTO messages (room, ms, seq, pos_ms, pos_seq, author, text, extra, reply_ms,
         reply_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    update: db.prepare(
      `UPDATE messages SET pos_ms = @pms, pos_seq = @pseq, text = @text, extra = @extra
       WHERE room = @room AND ms = @ms AND seq = @seq`,
    ),
    insertChange: db.prepare('INSERT INTO changes (room, ms, seq) VALUES (?, ?, ?)'),
    countUp: db.prepare(
      `INSERT INTO rooms (name, count, last_ms) VALUES (?, 1, ?)
       ON CONFLICT (name) DO UPDATE SET count = count + 1, last_ms = excluded.last_ms
       RETURNING count`,
    ),
    countChange: db.prepare(
      'UPDATE rooms SET changes = changes + 1, last_ms = ? WHERE name = ? RETURNING changes',
    ),
    oldestMessages: db.prepare<[string, number], Key>(
      'SELECT ms, seq FROM messages WHERE room = ? ORDER BY ms, seq LIMIT ?',
    ),
    oldestChanges: db.prepare<[string, number], Key>(
      'SELECT ms, seq FROM changes WHERE room = ? ORDER BY ms, seq LIMIT ?',
    ),
    newestMessage: db.prepare<[string], Key>(
      'SELECT ms, seq FROM messages WHERE room = ? ORDER BY ms DESC, seq DESC LIMIT 1',
    ),
    newestChange: db.prepare<[string], Key>(
      'SELECT ms, seq FROM changes WHERE room = ? ORDER BY ms DESC, seq DESC LIMIT 1',
    ),
    trimMessagesTo: db.prepare(
      `DELETE FROM messages WHERE room = @room AND (ms < @ms OR (ms = @ms AND seq <= @seq))`,
    ),
    trimChangesTo: db.prepare(
      `DELETE FROM changes WHERE room = @room AND (ms < @ms OR (ms = @ms AND seq <= @seq))`,
    ),
    setTrimmed: db.prepare(
      'UPDATE rooms SET count = count - @n, trimmed_ms = @ms, trimmed_seq = @seq WHERE name = @room',
    ),
    setChangesTrimmed: db.prepare(
      `UPDATE rooms SET changes = changes - @n, changes_trimmed_ms = @ms,
         changes_trimmed_seq = @seq WHERE name = @room`,
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
      `SELECT ${COLUMNS} FROM messages WHERE room = ? ORDER BY ms DESC, seq DESC LIMIT ?`,
    ),
    get: db.prepare<[string, number, number], Row>(
      `SELECT ${COLUMNS} FROM messages WHERE room = ? AND ms = ? AND seq = ?`,
    ),
    before: db.prepare<[string, number, number, number, number], Row>(
      `SELECT ${COLUMNS} FROM messages
       WHERE room = ? AND (ms < ? OR (ms = ? AND seq < ?))
       ORDER BY ms DESC, seq DESC LIMIT ?`,
    ),
    createdAfter: db.prepare<[string, number, number, number], Row>(
      `SELECT ${COLUMNS} FROM messages
       WHERE room = ? AND (ms > ? OR (ms = ? AND seq > ?)) ORDER BY ms, seq`,
    ),
    // A LIMIT of -1 is none; a replay asks for one more than it may show, to tell.
    changedAfter: db.prepare<[string, number, number, number, number], Row>(
      `SELECT ${COLUMNS} FROM messages
       WHERE room = ? AND (pos_ms > ? OR (pos_ms = ? AND pos_seq > ?)) ORDER BY pos_ms, pos_seq
       LIMIT ?`,
    ),
    held: db.prepare<[string, number, number], { n: number }>(
      'SELECT 1 AS n FROM messages WHERE room = ? AND ms = ? AND seq = ?',
    ),
    heldChange: db.prepare<[string, number, number], { n: number }>(
      'SELECT 1 AS n FROM changes WHERE room = ? AND ms = ? AND seq = ?',
    ),
    heldUpTo: db.prepare<[string, number, number, number], { n: number }>(
      `SELECT 1 AS n FROM messages WHERE room = ? AND (ms < ? OR (ms = ? AND seq <= ?)) LIMIT 1`,
    ),
    trimmed: db.prepare<[string], { ms: number | null; seq: number | null }>(
      'SELECT trimmed_ms AS ms, trimmed_seq AS seq FROM rooms WHERE name = ?',
    ),
    changesTrimmed: db.prepare<[string], { ms: number | null; seq: number | null }>(
      'SELECT changes_trimmed_ms AS ms, changes_trimmed_seq AS seq FROM rooms WHERE name = ?',
    ),
    rooms: db.prepare<[], { name: string }>('SELECT name FROM rooms WHERE count > 0'),
    hasRoom: db.prepare<[string], { n: number }>(
      'SELECT 1 AS n FROM messages WHERE room = ? LIMIT 1',
    ),
    activity: db.prepare<[], { room: string; ms: number }>(
      'SELECT name AS room, COALESCE(last_ms, 0) AS ms FROM rooms WHERE count > 0',
    ),
    deleteMessages: db.prepare('DELETE FROM messages WHERE room = ?'),
    deleteChanges: db.prepare('DELETE FROM changes WHERE room = ?'),
    deleteRoomRow: db.prepare('DELETE FROM rooms WHERE name = ?'),
    deleteDedup: db.prepare('DELETE FROM dedup WHERE key >= ? AND key < ?'),
    oldestBefore: db.prepare<[string, number, number], { ms: number; seq: number }>(
      'SELECT ms, seq FROM messages WHERE room = ? AND ms < ? ORDER BY ms, seq LIMIT ?',
    ),
    oldestChangesBefore: db.prepare<[string, number, number], { ms: number; seq: number }>(
      'SELECT ms, seq FROM changes WHERE room = ? AND ms < ? ORDER BY ms, seq LIMIT ?',
    ),
    // The room's clientIds whose message is at or before the edge.
    forgetDedup: db.prepare(
      `DELETE FROM dedup WHERE key >= @from AND key < @to AND (
         json_extract(message, '$.ts') < @ms OR (json_extract(message, '$.ts') = @ms AND
           CAST(substr(json_extract(message, '$.id'), instr(json_extract(message, '$.id'), '-') + 1)
             AS INTEGER) <= @seq))`,
    ),
    quotingUpTo: db.prepare<[{ room: string; ms: number; seq: number }], Row>(
      `SELECT ${COLUMNS} FROM messages WHERE room = @room AND reply_ms IS NOT NULL
         AND (reply_ms < @ms OR (reply_ms = @ms AND reply_seq <= @seq))`,
    ),
    unquote: db.prepare(
      `UPDATE messages SET extra = @extra, reply_ms = NULL, reply_seq = NULL
       WHERE room = @room AND ms = @ms AND seq = @seq`,
    ),
  };

  const nextKey = createIdClock(now, keyOf(q.newest.get()));

  // Each room's newest position, once read: this process is the database's only writer, and
  // every write that moves a head goes through append or change below, which keep it. It saves
  // four queries per message.
  const heads = new Map<string, IdKey | undefined>();

  /** The room's newest position: its newest message, change, or what was trimmed. */
  const headOf = (room: string): IdKey | undefined => {
    if (heads.has(room)) return heads.get(room);
    // Conversations are rooms too, and there can be many: forget them all now and then.
    if (heads.size >= HEADS_KEPT) heads.clear();
    const head = newer(
      newer(keyOf(q.newestMessage.get(room)), keyOf(q.newestChange.get(room))),
      newer(keyOf(q.trimmed.get(room)), keyOf(q.changesTrimmed.get(room))),
    );
    heads.set(room, head);
    return head;
  };

  /** Drops a room's messages, or change positions, up to `edge`, `n` of them, and records the edge. */
  const dropThrough = (
    room: string,
    kind: 'messages' | 'changes',
    n: number,
    edge: { ms: number; seq: number },
  ): void => {
    const at = { room, n, ms: edge.ms, seq: edge.seq };
    if (kind === 'messages') {
      q.trimMessagesTo.run(at);
      q.setTrimmed.run(at);
    } else {
      q.trimChangesTo.run(at);
      q.setChangesTrimmed.run(at);
    }
  };

  /** Drops the oldest messages, or change positions, past the limit. */
  const trim = (room: string, count: number, kind: 'messages' | 'changes'): void => {
    if (options.limit === undefined) return;
    const excess = count - options.limit;
    if (excess <= 0) return;
    const oldest = kind === 'messages' ? q.oldestMessages : q.oldestChanges;
    const edge = oldest.all(room, excess).at(-1);
    if (edge?.ms != null && edge.seq != null)
      dropThrough(room, kind, excess, { ms: edge.ms, seq: edge.seq });
  };

  // Each append is a savepoint of its own: the dedup check, the insert, the trim and the dedup
  // record happen together or not at all, so concurrent retries store one message.
  const append = db.transaction((input: AppendInput, dedupKey: string): AppendResult => {
    const at = now();
    const seen = q.dedupGet.get(dedupKey, at);
    if (seen) {
      const message = JSON.parse(seen.message) as Message;
      return { message, duplicate: true, origin: decodeText(seen.origin) };
    }
    // The room as its column holds it; the message keeps the room as it was sent.
    const room = encodeText(input.room);
    const key = nextKey();
    const before = headOf(room);
    const message: Message = {
      id: idOf(key),
      room: input.room,
      author: authorOf(input.author),
      text: input.text,
      ts: key[0],
      ...(input.replyTo ? { replyTo: input.replyTo } : {}),
      ...(input.mentions?.length ? { mentions: input.mentions } : {}),
    };
    q.insert.run(
      room,
      key[0],
      key[1],
      key[0],
      key[1],
      JSON.stringify(message.author),
      encodeText(message.text),
      extraOf(message),
      ...(parseId(message.replyTo?.id ?? '') ?? [null, null]),
    );
    const { count } = q.countUp.get(room, key[0]) as { count: number };
    trim(room, count, 'messages');
    q.dedupPut.run(
      dedupKey,
      JSON.stringify(message),
      encodeText(input.origin),
      at + options.dedupTtlMs,
    );
    // Last, so that a statement failing above leaves the cached head as it was.
    heads.set(room, key);
    return {
      message,
      duplicate: false,
      origin: input.origin,
      ...(before ? { prev: idOf(before) } : {}),
    };
  });

  /** Deletes the oldest messages and change positions before `beforeMs`, `max` of each at most. */
  const purge = db.transaction((room: string, beforeMs: number, max: number): Purged => {
    const messages = q.oldestBefore.all(room, beforeMs, max);
    const edge = messages.at(-1);
    if (edge) {
      dropThrough(room, 'messages', messages.length, edge);
      const at = { room, ms: edge.ms, seq: edge.seq };
      q.forgetDedup.run({ from: `${room}\n`, to: `${room}\u000b`, ms: edge.ms, seq: edge.seq });
      for (const row of q.quotingUpTo.all(at)) {
        const reply = toMessage(row);
        if (!reply.replyTo) continue;
        const extra = extraOf({ ...reply, replyTo: goneQuote(reply.replyTo) });
        q.unquote.run({ room, ms: row.ms, seq: row.seq, extra });
      }
    }
    const changes = q.oldestChangesBefore.all(room, beforeMs, max);
    const changesEdge = changes.at(-1);
    if (changesEdge) dropThrough(room, 'changes', changes.length, changesEdge);
    return { messages: messages.length, changes: changes.length };
  });

  const change = db.transaction((room: string, id: IdKey, what: MessageChange): ChangeOutcome => {
    const row = q.get.get(room, id[0], id[1]);
    if (!row) return { status: 'refused', reason: 'not_found' };
    const current = toMessage(row);
    const result = applyChange(current, what);
    if ('refused' in result) return { status: 'refused', reason: result.refused };
    if ('unchanged' in result) return { status: 'unchanged', message: current };
    const before = headOf(room);
    const key = nextKey();
    const message: Message = { ...result.message, pos: idOf(key) };
    q.update.run({
      room,
      ms: id[0],
      seq: id[1],
      pms: key[0],
      pseq: key[1],
      text: encodeText(message.text),
      extra: extraOf(message),
    });
    q.insertChange.run(room, key[0], key[1]);
    const { changes } = q.countChange.get(key[0], room) as { changes: number };
    trim(room, changes, 'changes');
    heads.set(room, key);
    return { status: 'changed', message, ...(before ? { prev: idOf(before) } : {}) };
  });

  const page = (rows: Row[], limit: number): Page => ({
    messages: rows.slice(0, limit).reverse().map(toMessage),
    hasMore: rows.length > limit,
  });

  // The database is on this machine, so a failure is not a passing outage, except a lock
  // held by someone else for longer than busy_timeout, which a retry may get past.
  const storeError = (err: unknown): unknown =>
    (err as { code?: unknown }).code === 'SQLITE_BUSY' ? new StoreUnavailableError(err) : err;

  // Appends wait for the end of the event loop's turn and commit together: a commit writes the
  // WAL's pages once for every message read in that turn, where one commit per message cost
  // more than the rest of a send (measured in the bench's S3). An append is acknowledged only
  // after its commit, as before.
  interface Queued {
    input: AppendInput;
    dedupKey: string;
    resolve: (result: AppendResult) => void;
    reject: (err: unknown) => void;
  }
  let queued: Queued[] = [];
  const appendAll = db.transaction((batch: Queued[]) => {
    q.dedupSweep.run(now());
    return batch.map((item) => {
      try {
        return { result: append(item.input, item.dedupKey) };
      } catch (err) {
        return { err };
      }
    });
  });
  /** Commits the appends waiting; every other operation calls it first, to keep their order. */
  const flush = (): void => {
    if (queued.length === 0) return;
    const batch = queued;
    queued = [];
    let outcomes: ({ result: AppendResult } | { err: unknown })[];
    try {
      outcomes = appendAll(batch);
    } catch (err) {
      // The commit failed: nothing of the batch was kept, and the cached heads may be ahead.
      heads.clear();
      for (const item of batch) item.reject(storeError(err));
      return;
    }
    outcomes.forEach((outcome, i) => {
      const item = batch[i] as Queued;
      if ('result' in outcome) item.resolve(outcome.result);
      else item.reject(storeError(outcome.err));
    });
  };

  // eslint-disable-next-line @typescript-eslint/require-await -- turns a throw into a rejection
  const run = async <T>(work: () => T): Promise<T> => {
    flush();
    try {
      return work();
    } catch (err) {
      throw storeError(err);
    }
  };

  return {
    append: (input) =>
      new Promise<AppendResult>((resolve, reject) => {
        const author = authorOf(input.author);
        const dedupKey = [input.room, dedupScope(author), input.clientId]
          .map(encodeText)
          .join('\n');
        if (queued.length === 0) setImmediate(flush);
        queued.push({ input: { ...input, author }, dedupKey, resolve, reject });
      }),

    latest: (name, limit) =>
      run(() => {
        const room = encodeText(name);
        const head = headOf(room);
        const result = page(q.latest.all(room, limit + 1), limit);
        return head ? { ...result, head: idOf(head) } : result;
      }),

    unread: (name, position, userId) =>
      run(() => {
        const room = encodeText(name);
        const key = position === undefined ? [0, -1] : (parseId(position) ?? [0, -1]);
        return sumCounts(q.createdAfter.all(room, key[0], key[0], key[1]).map(toMessage), userId);
      }),

    get: (name, id) =>
      run(() => {
        const room = encodeText(name);
        const key = parseId(id);
        const row = key ? q.get.get(room, key[0], key[1]) : undefined;
        return row ? toMessage(row) : undefined;
      }),

    change: (room, id, what) =>
      run((): ChangeOutcome => {
        const key = parseId(id);
        if (!key) return { status: 'refused', reason: 'not_found' };
        return change(encodeText(room), key, what);
      }),

    after: (name, id, limit) =>
      run(() => {
        const room = encodeText(name);
        const key = parseId(id);
        const gap: Replay = { messages: [], gap: true, gapReason: 'unknown', hasMore: false };
        if (!key) return gap;
        const edge = keyOf(q.trimmed.get(room));
        const changesEdge = keyOf(q.changesTrimmed.get(room));
        const same = (a: IdKey | undefined) => a !== undefined && compareIdKeys(a, key) === 0;
        const olderThan = (a: IdKey | undefined) => a !== undefined && compareIdKeys(key, a) < 0;
        // Messages after the position were trimmed away: it cannot be caught up from.
        if (olderThan(edge)) return { ...gap, gapReason: 'trimmed' };
        // Otherwise continuity holds only from a position this store issued and still knows:
        // a held message's, a held change's, or exactly the newest one trimmed away.
        const known =
          same(edge) ||
          same(changesEdge) ||
          q.held.get(room, key[0], key[1]) !== undefined ||
          q.heldChange.get(room, key[0], key[1]) !== undefined;
        if (!known) return olderThan(changesEdge) ? { ...gap, gapReason: 'trimmed' } : gap;
        const head = headOf(room);
        const rows = q.changedAfter.all(
          room,
          key[0],
          key[0],
          key[1],
          limit === undefined ? -1 : limit + 1,
        );
        if (limit !== undefined && rows.length > limit) return { ...gap, gapReason: 'too_many' };
        return {
          messages: rows.map(toMessage),
          gap: false,
          hasMore: q.heldUpTo.get(room, key[0], key[0], key[1]) !== undefined,
          ...(head ? { head: idOf(head) } : {}),
        };
      }),

    before: (room, id, limit) => {
      const key = parseId(id);
      if (!key) return Promise.reject(new InvalidCursorError());
      const at = encodeText(room);
      return run(() => page(q.before.all(at, key[0], key[0], key[1], limit + 1), limit));
    },

    rooms: () => run(() => q.rooms.all().map((r) => decodeText(r.name))),
    hasRoom: (room) => run(() => q.hasRoom.get(encodeText(room)) !== undefined),
    roomActivity: () => run(() => new Map(q.activity.all().map((r) => [decodeText(r.room), r.ms]))),
    deleteRoom: (name) =>
      run(() => {
        const room = encodeText(name);
        db.transaction(() => {
          q.deleteMessages.run(room);
          q.deleteChanges.run(room);
          q.deleteRoomRow.run(room);
          // Dedup keys start with the room and a newline: the range [room\n, room\u000b).
          q.deleteDedup.run(`${room}\n`, `${room}\u000b`);
        })();
        heads.delete(room);
      }),

    purge: (room, beforeMs, max) => run(() => purge(encodeText(room), beforeMs, max)),

    close: () => run(() => undefined),
  };
}
