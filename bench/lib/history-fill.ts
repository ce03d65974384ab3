// Fills a history store's own tables fast, with the rows its `append` would write for the same
// messages: many rows per statement in PostgreSQL (arrays through `unnest`), prepared
// statements in large transactions in SQLite. `sameRowsAsStore` proves the rows are the
// store's, by writing the same messages both ways and comparing every table row for row.
import type { Author, Message } from '../../common/contract.js';
import { createPostgresHistoryStore } from '../../server/src/messages/postgres-store.js';
import { createSqliteHistoryStore } from '../../server/src/messages/sqlite-store.js';
import { authorOf, dedupScope, type HistoryStore } from '../../server/src/messages/store.js';
import { inTransaction, type PostgresPool } from '../../server/src/storage/postgres.js';
import type { SqliteDatabase } from '../../server/src/storage/sqlite.js';
import { encodeText } from '../../server/src/storage/text-codec.js';

/** One message as a client sent it, with the time the store took it at. */
export interface Sent {
  room: string;
  author: Author;
  text: string;
  clientId: string;
  origin: string;
  ms: number;
}

/** The time of the first filled message; each next one a millisecond later. */
export const FILL_EPOCH = Date.UTC(2026, 0, 1);

// Words drawn at random make a text about as compressible as chat (a dump compresses it),
// where one phrase repeated would shrink to nothing.
const WORDS = (
  'the of and to a in is you that it he was for on are as with his they at be this have from ' +
  'or one had by word but not what all were we when your can said there use an each which she ' +
  'do how their if will up other about out many then them these so some her would make like him ' +
  'into time has look two more write go see number no way could people my than first water been ' +
  'call who oil its now find long down day did get come made may part over new sound take only ' +
  'little work know place year live me back give most very after thing our just name good ' +
  'sentence man think say great where help through much before line right too mean old any same ' +
  'tell boy follow came want show also around form three small set put end does another well ' +
  'large must big even such because turn here why ask went men read need land different home us ' +
  'move try kind hand picture again change off play spell air away animal house point page ' +
  'letter mother answer found study still learn should world high every near add food between ' +
  'own below country plant last school father keep tree never start city earth eye light ' +
  'thought head under story saw left few while along might close something seem next hard open'
).split(' ');

/** A chat line of exactly `length` characters: words picked by a generator seeded with `i`. */
export const lineOf = (i: number, length: number): string => {
  // mulberry32: the same words for the same message on every run.
  let seed = (i + 0x9e3779b9) >>> 0;
  const next = () => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  let text = `message ${i}`;
  while (text.length < length) text += ` ${WORDS[Math.floor(next() * WORDS.length)] ?? ''}`;
  return text.slice(0, length);
};

/** Message `i` of a fill over `rooms` rooms: rooms take turns, fifty authors write them. */
export function sentAt(i: number, rooms: number, textLength: number): Sent {
  const user = i % 50;
  return {
    room: `room${i % rooms}`,
    author: { id: `u${user}`, name: `user ${user}` },
    text: lineOf(i, textLength),
    clientId: `c${i}`,
    origin: `socket${user}`,
    ms: FILL_EPOCH + i,
  };
}

/** The message the store makes of `sent` (ids `<ms>-0`: one message a millisecond). */
export const messageOf = (sent: Sent): Message => ({
  id: `${sent.ms}-0`,
  room: sent.room,
  author: authorOf(sent.author),
  text: sent.text,
  ts: sent.ms,
});

/** Each room's messages and newest time, for the rooms' own rows. */
function roomsOf(batch: Sent[]): Map<string, { count: number; last: number }> {
  const rooms = new Map<string, { count: number; last: number }>();
  for (const s of batch) {
    const r = rooms.get(s.room) ?? { count: 0, last: 0 };
    rooms.set(s.room, { count: r.count + 1, last: Math.max(r.last, s.ms) });
  }
  return rooms;
}

// -----------------------------------------------------------------------------------------
// PostgreSQL (server/src/messages/postgres-store.ts)

const PG_MESSAGES = `INSERT INTO messages (room, ms, seq, pos_ms, pos_seq, author_id, author_name,
    guest, bot, text, extra)
  SELECT room, ms, 0, ms, 0, author_id, author_name, guest, bot, text, NULL
  FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::boolean[], $6::boolean[],
    $7::text[]) AS t (room, ms, author_id, author_name, guest, bot, text)`;

const PG_DEDUP = `INSERT INTO message_dedup (room, scope, client_id, origin, ms, seq)
  SELECT room, scope, client_id, origin, ms, 0
  FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[])
    AS t (room, scope, client_id, origin, ms)`;

// A room's row as the store leaves it: its head at its newest message, its count, and no
// change or trim yet. A room already there (an earlier batch) adds to its count.
const PG_ROOMS = `INSERT INTO history_rooms (room, head_ms, head_seq, messages, changes, last_ms)
  SELECT room, last, 0, count, 0, last FROM unnest($1::text[], $2::bigint[], $3::integer[])
    AS t (room, last, count)
  ON CONFLICT (room) DO UPDATE SET head_ms = excluded.head_ms, head_seq = 0,
    messages = history_rooms.messages + excluded.messages, last_ms = excluded.last_ms`;

/** Writes `batch` (in time order) into the store's tables, in one transaction. */
export function fillPostgres(pool: PostgresPool, batch: Sent[]): Promise<void> {
  const col = <T>(f: (s: Sent) => T): T[] => batch.map(f);
  const rooms = roomsOf(batch);
  return inTransaction(pool, async (client) => {
    await client.query(PG_MESSAGES, [
      col((s) => encodeText(s.room)),
      col((s) => s.ms),
      col((s) => encodeText(authorOf(s.author).id)),
      col((s) => encodeText(authorOf(s.author).name)),
      col((s) => s.author.guest === true),
      col((s) => s.author.bot === true),
      col((s) => encodeText(s.text)),
    ]);
    await client.query(PG_DEDUP, [
      col((s) => encodeText(s.room)),
      col((s) => encodeText(dedupScope(authorOf(s.author)))),
      col((s) => encodeText(s.clientId)),
      col((s) => encodeText(s.origin)),
      col((s) => s.ms),
    ]);
    await client.query(PG_ROOMS, [
      [...rooms.keys()].map(encodeText),
      [...rooms.values()].map((r) => r.last),
      [...rooms.values()].map((r) => r.count),
    ]);
  });
}

/** Every row of the history tables, in a fixed order. */
async function pgRows(pool: PostgresPool): Promise<unknown[]> {
  const tables = [
    'SELECT * FROM messages ORDER BY room, ms, seq',
    'SELECT * FROM message_changes ORDER BY room, ms, seq',
    'SELECT * FROM message_dedup ORDER BY room, scope, client_id',
    'SELECT * FROM history_rooms ORDER BY room',
  ];
  const out: unknown[] = [];
  for (const sql of tables) out.push((await pool.query(sql)).rows);
  return out;
}

// -----------------------------------------------------------------------------------------
// SQLite (server/src/messages/sqlite-store.ts)

/** Writes `batch` (in time order) into the store's tables, in one transaction. */
export function fillSqlite(db: SqliteDatabase, batch: Sent[], dedupTtlMs: number): void {
  const message = db.prepare(
    `INSERT INTO messages (room, ms, seq, pos_ms, pos_seq, author, text, extra)
     VALUES (?, ?, 0, ?, 0, ?, ?, NULL)`,
  );
  const dedup = db.prepare(
    'INSERT INTO dedup (key, message, origin, expires_at) VALUES (?, ?, ?, ?)',
  );
  const room = db.prepare(
    `INSERT INTO rooms (name, count, last_ms) VALUES (?, ?, ?)
     ON CONFLICT (name) DO UPDATE SET count = count + excluded.count, last_ms = excluded.last_ms`,
  );
  db.transaction(() => {
    for (const s of batch) {
      const author = authorOf(s.author);
      const key = [s.room, dedupScope(author), s.clientId].map(encodeText).join('\n');
      message.run(encodeText(s.room), s.ms, s.ms, JSON.stringify(author), encodeText(s.text));
      // Remembered for DEDUP_TTL_MS from the append, as the store keeps it.
      dedup.run(key, JSON.stringify(messageOf(s)), encodeText(s.origin), s.ms + dedupTtlMs);
    }
    for (const [name, r] of roomsOf(batch)) room.run(encodeText(name), r.count, r.last);
  })();
}

function sqliteRows(db: SqliteDatabase): unknown[] {
  return [
    'SELECT * FROM messages ORDER BY room, ms, seq',
    'SELECT * FROM changes ORDER BY room, ms, seq',
    'SELECT key, message, origin, expires_at FROM dedup ORDER BY key',
    'SELECT * FROM rooms ORDER BY name',
  ].map((sql) => db.prepare(sql).all());
}

// -----------------------------------------------------------------------------------------

/** Appends `sent` through a store whose clock reads each message's `ms` as it is appended. */
async function appendInOrder(open: (now: () => number) => HistoryStore, sent: Sent[]) {
  let at = 0;
  const store = open(() => sent[at]?.ms ?? 0);
  for (; at < sent.length; at++) {
    const s = sent[at] as Sent;
    const { ms: _ms, ...input } = s;
    const result = await store.append(input);
    const expected = messageOf(s);
    if (JSON.stringify(result.message) !== JSON.stringify(expected)) {
      throw new Error(
        `the store made ${JSON.stringify(result.message)}, not ${JSON.stringify(expected)}`,
      );
    }
  }
  await store.close();
}

/** Texts that take every path of the text codec, and the rest of a row's free text. */
const ODD_TEXTS = [
  "'; DROP TABLE messages; --",
  'a\u0000b',
  'lone \ud800 surrogate',
  '😀'.repeat(500),
];

/** A few messages in three rooms, with odd texts, rooms and names among them. */
export function sampleSent(textLength: number): Sent[] {
  return Array.from({ length: 24 }, (_, i) => {
    const s = sentAt(i, 3, textLength);
    const odd = ODD_TEXTS[i % 6];
    return odd === undefined
      ? s
      : {
          ...s,
          text: odd,
          room: i % 2 ? s.room : `${s.room}\u0000`,
          author: { ...s.author, name: odd },
        };
  });
}

/**
 * Throws unless the fill writes exactly the rows the store writes: `sample` appended through
 * the store into one empty database and filled into another, every history table compared.
 */
export async function sameRowsAsStore(
  kind: 'postgres',
  databases: [PostgresPool, PostgresPool],
  sample: Sent[],
): Promise<void>;
export async function sameRowsAsStore(
  kind: 'sqlite',
  databases: [SqliteDatabase, SqliteDatabase],
  sample: Sent[],
): Promise<void>;
export async function sameRowsAsStore(
  kind: 'postgres' | 'sqlite',
  databases: [PostgresPool, PostgresPool] | [SqliteDatabase, SqliteDatabase],
  sample: Sent[],
): Promise<void> {
  const options = { limit: 1_000_000, dedupTtlMs: 600_000 };
  let byStore: unknown[];
  let byFill: unknown[];
  if (kind === 'postgres') {
    const [a, b] = databases as [PostgresPool, PostgresPool];
    await appendInOrder((now) => createPostgresHistoryStore(a, { ...options, now }), sample);
    await fillPostgres(b, sample);
    [byStore, byFill] = [await pgRows(a), await pgRows(b)];
  } else {
    const [a, b] = databases as [SqliteDatabase, SqliteDatabase];
    await appendInOrder((now) => createSqliteHistoryStore(a, { ...options, now }), sample);
    fillSqlite(b, sample, options.dedupTtlMs);
    [byStore, byFill] = [sqliteRows(a), sqliteRows(b)];
  }
  const [s, f] = [JSON.stringify(byStore), JSON.stringify(byFill)];
  if (s !== f) throw new Error(`${kind}: the fill's rows differ from the store's:\n${s}\n${f}`);
}
