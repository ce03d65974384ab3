// History at size, in PostgreSQL and in SQLite, through the stores themselves (no sockets):
// - paging: one room filled with `pagingMessages` messages through `append`, many in flight
//   at a time, then paged from newest to oldest with `before(room, id, 50)` as `history:fetch`
//   does, each page timed; and the bytes a message takes on disk, indexes included.
// - backup: `backupMessages` messages in rooms of `roomSize`, written straight into the
//   store's tables (bench/lib/history-fill.ts, rows proved the store's own), then
//   `pg_dump -Fc` and `pg_restore` into a new database, and SQLite's online backup
//   (`npm run backup`'s code) and a restore by copying the file back; each timed, the copies
//   sized, and what was restored read back through the store.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type pg from 'pg';
import { POSTGRES_MIGRATIONS } from '../../server/src/backends/postgres.js';
import { createPostgresHistoryStore } from '../../server/src/messages/postgres-store.js';
import { createSqliteHistoryStore } from '../../server/src/messages/sqlite-store.js';
import type { HistoryStore } from '../../server/src/messages/store.js';
import { migrate, openPostgres, type PostgresPool } from '../../server/src/storage/postgres.js';
import { backupSqlite } from '../../server/src/storage/sqlite-backup.js';
import { openDatabase, type SqliteDatabase } from '../../server/src/storage/sqlite.js';
import { PostgresProcess, postgresBin } from '../../scripts/lib/processes.js';
import {
  FILL_EPOCH,
  fillPostgres,
  fillSqlite,
  messageOf,
  sameRowsAsStore,
  sampleSent,
  sentAt,
} from './history-fill.js';
import { round } from './measure.js';
import { postgresSettings, type PostgresSettings } from './postgres-stats.js';

const run = promisify(execFile);

export interface HistoryBenchOptions {
  /** Messages of the one room that is paged through. */
  pagingMessages: number;
  /** Messages filled, dumped and restored. */
  backupMessages: number;
  /** Messages per room of the backup's fill (HISTORY_LIMIT's default: a full room). */
  roomSize: number;
  /** Characters of every message's text (ASCII: as many bytes). */
  textLength: number;
  /** Messages a page (`history:fetch`'s default, HISTORY_PAGE). */
  pageSize: number;
  log: (line: string) => void;
}

export const historyProfiles = {
  full: { pagingMessages: 100_000, backupMessages: 1_000_000 },
  quick: { pagingMessages: 10_000, backupMessages: 100_000 },
} as const;

/** Milliseconds: the median, the 99th percentile and the longest, and the mean. */
export interface Spread {
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

export interface StoredBytes {
  /** On disk: PostgreSQL's history tables (pg_total_relation_size), SQLite's whole file. */
  total: number;
  perMessage: number;
  /** Each table with its indexes (and TOAST): bytes, and bytes per message. */
  byTable: Record<string, { bytes: number; perMessage: number }>;
}

/** One paging of the room, newest to oldest. */
export interface PagingPass {
  /** `latest(room, pageSize)`: what a join reads. */
  latestMs: number;
  /** Each `before(room, oldest, pageSize)` call, newest page first. */
  pages: number;
  pageMs: Spread;
  firstPageMs: number;
  lastPageMs: number;
  /** The mean of the first ten pages and of the last ten: flat paging keeps them alike. */
  firstTenMs: number;
  lastTenMs: number;
}

export interface PagingResult extends PagingPass {
  messages: number;
  /** Through `append`: how many were in flight at a time, and how long the fill took. */
  fill: { concurrency: number; seconds: number; perSec: number };
  /**
   * The pass before the one above (whose figures are of a second paging, each page read once
   * before): in PostgreSQL, with no planner statistics yet (autovacuum held off during the
   * fill; as right after a bulk load or a pg_restore), the pass above after ANALYZE; in
   * SQLite, the first read of each page.
   */
  firstPass: PagingPass & { what: string };
  bytes: StoredBytes;
}

export interface PostgresBackup {
  messages: number;
  rooms: number;
  fillSeconds: number;
  /** pg_database_size of the filled database (every table of the schema). */
  databaseBytes: number;
  dump: { seconds: number; bytes: number };
  restore: { seconds: number; databaseBytes: number };
  /** What was restored, read back and written to through the store, as expected. */
  restoredChecked: boolean;
}

export interface SqliteBackup {
  messages: number;
  rooms: number;
  fillSeconds: number;
  fileBytes: number;
  backup: { seconds: number; bytes: number; pages: number };
  /** Copying the backup into place of a node's chat.db. */
  restore: { seconds: number };
  restoredChecked: boolean;
}

export interface HistoryBenchResults {
  date: string;
  machine: { cpu: string; cores: number; node: string; postgres: string; sqlite: string };
  postgres: Omit<PostgresSettings, 'version'>;
  options: Omit<HistoryBenchOptions, 'log'>;
  paging: { postgres: PagingResult; sqlite: PagingResult };
  backup: { postgres: PostgresBackup; sqlite: SqliteBackup };
  seconds: number;
}

/** Appends in flight at a time while filling a room through the store. */
const CONCURRENCY = 1000;
/** Rows written by one statement (PostgreSQL) or transaction (SQLite) of the fast fill. */
const FILL_BATCH = 10_000;
/** The store's own trim is kept out of the way: every filled message stays. */
const UNBOUNDED = { limit: 1_000_000, dedupTtlMs: 600_000 };

/**
 * A store's options for reading a fill back: its clock just after the last filled message,
 * so that SQLite's clientIds (kept DEDUP_TTL_MS from their append) are still remembered.
 */
const afterFill = (count: number) => ({ ...UNBOUNDED, now: () => FILL_EPOCH + count });

const seconds = (since: number) => round((performance.now() - since) / 1000, 2);

function spread(ms: number[]): Spread {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? 0;
  const mean = sorted.reduce((n, x) => n + x, 0) / Math.max(1, sorted.length);
  return {
    p50: round(at(0.5), 3),
    p99: round(at(0.99), 3),
    max: round(at(1), 3),
    mean: round(mean, 3),
  };
}

const meanOf = (xs: number[]) => round(xs.reduce((n, x) => n + x, 0) / Math.max(1, xs.length), 3);

/** Fills one room with `count` messages through the store's `append`, many at a time. */
async function fillRoom(store: HistoryStore, count: number, textLength: number) {
  const started = performance.now();
  for (let i = 0; i < count; i += CONCURRENCY) {
    const batch = [];
    for (let j = i; j < Math.min(count, i + CONCURRENCY); j++) {
      const { ms: _ms, ...input } = sentAt(j, 1, textLength);
      batch.push(store.append(input));
    }
    await Promise.all(batch);
  }
  const took = seconds(started);
  return { concurrency: CONCURRENCY, seconds: took, perSec: Math.round(count / took) };
}

/** Pages `room` from newest to oldest, timing each page; throws unless every message came once, in order. */
async function pageThrough(store: HistoryStore, room: string, count: number, size: number) {
  let t = performance.now();
  let page = await store.latest(room, size);
  const latestMs = performance.now() - t;
  const times: number[] = [];
  let seen = page.messages.length;
  let oldest = page.messages[0]?.id;
  while (page.hasMore && oldest !== undefined) {
    t = performance.now();
    page = await store.before(room, oldest, size);
    times.push(performance.now() - t);
    const newest = page.messages.at(-1)?.id;
    if (newest === undefined || idOrder(newest, oldest) >= 0) {
      throw new Error(`page before ${oldest} is out of order (newest ${String(newest)})`);
    }
    seen += page.messages.length;
    oldest = page.messages[0]?.id;
  }
  if (seen !== count) throw new Error(`paged ${seen} messages of ${count}`);
  return {
    latestMs: round(latestMs, 3),
    pages: times.length,
    pageMs: spread(times),
    firstPageMs: round(times[0] ?? 0, 3),
    lastPageMs: round(times.at(-1) ?? 0, 3),
    firstTenMs: meanOf(times.slice(0, 10)),
    lastTenMs: meanOf(times.slice(-10)),
  };
}

/** Two pagings of the room, `between` run after the first. */
async function pageTwice(
  store: HistoryStore,
  o: HistoryBenchOptions,
  what: string,
  between: () => Promise<unknown> = () => Promise.resolve(),
) {
  const first = await pageThrough(store, 'room0', o.pagingMessages, o.pageSize);
  await between();
  const second = await pageThrough(store, 'room0', o.pagingMessages, o.pageSize);
  return { ...second, firstPass: { what, ...first } };
}

const idOrder = (a: string, b: string): number => {
  const [am = 0, as = 0] = a.split('-').map(Number);
  const [bm = 0, bs = 0] = b.split('-').map(Number);
  return am - bm || as - bs;
};

const HISTORY_TABLES = ['messages', 'message_changes', 'message_dedup', 'history_rooms'];

/** The history tables' size on disk with their indexes and TOAST, after a VACUUM. */
async function postgresBytes(pool: PostgresPool, messages: number): Promise<StoredBytes> {
  await pool.query(`VACUUM ${HISTORY_TABLES.join(', ')}`);
  const { rows } = await pool.query<{ name: string; bytes: string }>(
    `SELECT relname AS name, pg_total_relation_size(oid)::text AS bytes FROM pg_class
     WHERE relname = ANY($1) AND relkind = 'r'`,
    [HISTORY_TABLES],
  );
  return bytesOf(
    rows.map((r) => [r.name, Number(r.bytes)]),
    undefined,
    messages,
  );
}

/** The file's size once its WAL is checkpointed into it, and each table's pages (dbstat). */
function sqliteBytes(db: SqliteDatabase, file: string, messages: number): StoredBytes {
  db.pragma('wal_checkpoint(TRUNCATE)');
  const rows = db
    .prepare<[], { name: string; bytes: number }>(
      `SELECT t.tbl_name AS name, SUM(s.pgsize) AS bytes FROM dbstat s
       JOIN sqlite_schema t ON t.name = s.name GROUP BY t.tbl_name`,
    )
    .all()
    .filter((r) => ['messages', 'changes', 'dedup', 'rooms'].includes(r.name));
  return bytesOf(
    rows.map((r) => [r.name, r.bytes]),
    statSync(file).size,
    messages,
  );
}

function bytesOf(tables: [string, number][], total: number | undefined, messages: number) {
  const all = total ?? tables.reduce((n, [, b]) => n + b, 0);
  const per = (b: number) => round(b / Math.max(1, messages), 1);
  return {
    total: all,
    perMessage: per(all),
    byTable: Object.fromEntries(
      tables.map(([name, b]) => [name, { bytes: b, perMessage: per(b) }]),
    ),
  };
}

/** A pool on `url` for `work`, the chat's schema migrated first (unless `schema` is false). */
async function withPool<T>(
  url: string,
  work: (pool: PostgresPool) => Promise<T>,
  schema = true,
): Promise<T> {
  const pool = openPostgres(url);
  try {
    if (schema) await migrate(pool, POSTGRES_MIGRATIONS);
    return await work(pool);
  } finally {
    await pool.end();
  }
}

async function pagingPostgres(server: PostgresProcess, o: HistoryBenchOptions) {
  const url = await server.createDatabase('paging');
  // One room's appends commit one after another; without waiting for each WAL flush the
  // fill takes a minute rather than many. Only this database's commits: reads are the figure.
  await withPool(
    server.url(),
    (pool) => pool.query('ALTER DATABASE paging SET synchronous_commit = off'),
    false,
  );
  return withPool(url, async (pool) => {
    // No statistics until the first paging, whatever autovacuum's timing: the first pass
    // always sees a table as a restore leaves it.
    await pool.query('ALTER TABLE messages SET (autovacuum_enabled = off)');
    const store = createPostgresHistoryStore(pool, UNBOUNDED);
    const fill = await fillRoom(store, o.pagingMessages, o.textLength);
    o.log(`postgres: ${o.pagingMessages} messages appended in ${fill.seconds} s`);
    const paged = await pageTwice(
      store,
      o,
      'before ANALYZE: no planner statistics, as right after a bulk load or a pg_restore',
      async () => {
        await pool.query('ALTER TABLE messages RESET (autovacuum_enabled)');
        await pool.query('ANALYZE messages');
      },
    );
    return {
      messages: o.pagingMessages,
      fill,
      ...paged,
      bytes: await postgresBytes(pool, o.pagingMessages),
    };
  });
}

async function pagingSqlite(dir: string, o: HistoryBenchOptions): Promise<PagingResult> {
  const file = join(dir, 'paging', 'chat.db');
  const db = openDatabase(file);
  try {
    const store = createSqliteHistoryStore(db, UNBOUNDED);
    const fill = await fillRoom(store, o.pagingMessages, o.textLength);
    o.log(`sqlite: ${o.pagingMessages} messages appended in ${fill.seconds} s`);
    const paged = await pageTwice(store, o, 'the first read of each page');
    return {
      messages: o.pagingMessages,
      fill,
      ...paged,
      bytes: sqliteBytes(db, file, o.pagingMessages),
    };
  } finally {
    db.close();
  }
}

/** `count` messages over rooms of `roomSize`, written a batch at a time by `write`. */
async function fillFast(
  count: number,
  o: HistoryBenchOptions,
  write: (batch: ReturnType<typeof sentAt>[]) => Promise<void> | void,
) {
  const rooms = Math.ceil(count / o.roomSize);
  const started = performance.now();
  for (let i = 0; i < count; i += FILL_BATCH) {
    const batch = [];
    for (let j = i; j < Math.min(count, i + FILL_BATCH); j++)
      batch.push(sentAt(j, rooms, o.textLength));
    await write(batch);
  }
  return { rooms, fillSeconds: seconds(started) };
}

/**
 * Throws unless the store reads the filled rooms back as filled: the newest page and the one
 * before it of a few rooms. With `write`, a retry of a filled message is found a duplicate
 * and a new one follows the room's newest.
 */
async function readBack(
  store: HistoryStore,
  count: number,
  rooms: number,
  o: HistoryBenchOptions,
  write: boolean,
) {
  for (const r of new Set([0, Math.floor(rooms / 2), rooms - 1])) {
    const room = `room${r}`;
    const ids: number[] = [];
    for (let i = r; i < count; i += rooms) ids.push(i);
    const expected = (from: number, to: number) =>
      JSON.stringify(
        ids
          .slice(Math.max(0, from), Math.max(0, to))
          .map((i) => messageOf(sentAt(i, rooms, o.textLength))),
      );
    const latest = await store.latest(room, o.pageSize);
    const older = await store.before(room, latest.messages[0]?.id ?? '0-0', o.pageSize);
    const n = ids.length;
    if (
      JSON.stringify(latest.messages) !== expected(n - o.pageSize, n) ||
      JSON.stringify(older.messages) !== expected(n - 2 * o.pageSize, n - o.pageSize)
    ) {
      throw new Error(`${room} does not read back as filled`);
    }
    if (!write) continue;
    const last = sentAt(ids.at(-1) ?? 0, rooms, o.textLength);
    const { ms: _ms, ...retry } = last;
    const again = await store.append(retry);
    const next = await store.append({ ...retry, clientId: `${retry.clientId}-new` });
    if (
      !again.duplicate ||
      JSON.stringify(again.message) !== JSON.stringify(messageOf(last)) ||
      next.prev !== messageOf(last).id
    ) {
      throw new Error(`${room}: a retry or a new message does not follow the filled ones`);
    }
  }
}

const pgProgram = (name: string) => {
  const bin = postgresBin();
  return bin ? join(bin, name) : name;
};

async function timed(program: string, args: string[]) {
  const started = performance.now();
  await run(pgProgram(program), args, { maxBuffer: 16 * 1024 * 1024 });
  return seconds(started);
}

async function databaseBytes(client: pg.ClientBase | PostgresPool): Promise<number> {
  const { rows } = await client.query<{ bytes: string }>(
    'SELECT pg_database_size(current_database())::text AS bytes',
  );
  return Number(rows[0]?.bytes ?? 0);
}

async function backupPostgres(
  server: PostgresProcess,
  dir: string,
  o: HistoryBenchOptions,
): Promise<PostgresBackup> {
  const [a, b] = [
    await server.createDatabase('rows_store'),
    await server.createDatabase('rows_fill'),
  ];
  await withPool(a, (pa) =>
    withPool(b, (pb) => sameRowsAsStore('postgres', [pa, pb], sampleSent(o.textLength))),
  );
  const source = await server.createDatabase('backup_source');
  const n = o.backupMessages;
  const filled = await withPool(source, async (pool) => {
    const fill = await fillFast(n, o, (batch) => fillPostgres(pool, batch));
    // The fill's dirty pages are written out before the clock starts on the dump.
    await pool.query('CHECKPOINT');
    await readBack(createPostgresHistoryStore(pool, afterFill(n)), n, fill.rooms, o, false);
    return { ...fill, databaseBytes: await databaseBytes(pool) };
  });
  o.log(`postgres: ${n} messages filled in ${filled.fillSeconds} s, ${filled.databaseBytes} B`);
  const file = join(dir, 'chat.dump');
  const dumpSeconds = await timed('pg_dump', ['-Fc', '-f', file, '-d', source]);
  const restored = await server.createDatabase('backup_restored');
  const restoreSeconds = await timed('pg_restore', ['-d', restored, file]);
  o.log(`postgres: pg_dump ${dumpSeconds} s, pg_restore ${restoreSeconds} s`);
  const restoredBytes = await withPool(restored, async (pool) => {
    const bytes = await databaseBytes(pool);
    const { rows } = await pool.query<{ n: string }>('SELECT count(*)::text AS n FROM messages');
    if (Number(rows[0]?.n) !== n) throw new Error(`restored ${rows[0]?.n} messages of ${n}`);
    await readBack(createPostgresHistoryStore(pool, afterFill(n)), n, filled.rooms, o, true);
    return bytes;
  });
  return {
    messages: n,
    rooms: filled.rooms,
    fillSeconds: filled.fillSeconds,
    databaseBytes: filled.databaseBytes,
    dump: { seconds: dumpSeconds, bytes: statSync(file).size },
    restore: { seconds: restoreSeconds, databaseBytes: restoredBytes },
    restoredChecked: true,
  };
}

async function backupSqliteStep(dir: string, o: HistoryBenchOptions): Promise<SqliteBackup> {
  const [a, b] = [openDatabase(':memory:'), openDatabase(':memory:')];
  await sameRowsAsStore('sqlite', [a, b], sampleSent(o.textLength));
  a.close();
  b.close();
  const n = o.backupMessages;
  const source = join(dir, 'source', 'chat.db');
  const db = openDatabase(source);
  let filled: { rooms: number; fillSeconds: number };
  try {
    filled = await fillFast(n, o, (batch) => {
      fillSqlite(db, batch, UNBOUNDED.dedupTtlMs);
    });
    db.pragma('wal_checkpoint(TRUNCATE)');
    await readBack(createSqliteHistoryStore(db, afterFill(n)), n, filled.rooms, o, false);
  } finally {
    db.close();
  }
  o.log(`sqlite: ${n} messages filled in ${filled.fillSeconds} s`);
  const copy = join(dir, 'chat-backup.db');
  const started = performance.now();
  const { pages } = await backupSqlite(source, copy);
  const backupSeconds = seconds(started);
  // As the README restores one: the copy in place of chat.db (no -wal or -shm beside it).
  const restored = join(dir, 'restored', 'chat.db');
  mkdirSync(join(dir, 'restored'));
  const copyStarted = performance.now();
  copyFileSync(copy, restored);
  const restoreSeconds = seconds(copyStarted);
  o.log(`sqlite: backup ${backupSeconds} s, restore ${restoreSeconds} s`);
  const back = openDatabase(restored);
  try {
    await readBack(createSqliteHistoryStore(back, afterFill(n)), n, filled.rooms, o, true);
  } finally {
    back.close();
  }
  return {
    messages: n,
    rooms: filled.rooms,
    fillSeconds: filled.fillSeconds,
    fileBytes: statSync(source).size,
    backup: { seconds: backupSeconds, bytes: statSync(copy).size, pages },
    restore: { seconds: restoreSeconds },
    restoredChecked: true,
  };
}

export async function runHistoryBench(options: HistoryBenchOptions): Promise<HistoryBenchResults> {
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'chat-history-bench-'));
  // fsync on, as a deployment runs it.
  const server = new PostgresProcess({ fsync: true });
  await server.start();
  try {
    const settings = await withPool(
      server.url(),
      async (pool) => {
        const client = await pool.connect();
        try {
          return await postgresSettings(client);
        } finally {
          client.release();
        }
      },
      false,
    );
    const paging = {
      postgres: await pagingPostgres(server, options),
      sqlite: await pagingSqlite(dir, options),
    };
    const backup = {
      postgres: await backupPostgres(server, dir, options),
      sqlite: await backupSqliteStep(dir, options),
    };
    const { version, ...postgres } = settings;
    const { log: _log, ...rest } = options;
    return {
      date: new Date().toISOString(),
      machine: {
        cpu: cpus()[0]?.model ?? 'unknown',
        cores: cpus().length,
        node: process.version,
        postgres: version,
        sqlite: sqliteVersion(),
      },
      postgres,
      options: rest,
      paging,
      backup,
      seconds: Math.round((performance.now() - started) / 1000),
    };
  } finally {
    await server.stop();
    rmSync(server.dir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
}

function sqliteVersion(): string {
  const db = openDatabase(':memory:');
  try {
    return db.prepare<[], { v: string }>('SELECT sqlite_version() AS v').get()?.v ?? 'unknown';
  } finally {
    db.close();
  }
}
