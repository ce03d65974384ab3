// Times the SQLite work of a history append, for choosing the SQLite binding: the same
// statements as server/src/history/sqlite-store.ts (dedup lookup, insert, room count, trim
// past the limit, dedup record), each append a savepoint inside one transaction per batch, on
// a file in WAL mode with synchronous = NORMAL, like server/src/storage/sqlite.ts.
//   node bench/sqlite-append.js [better-sqlite3|node:sqlite] [--messages N] [--batch N]
// better-sqlite3 is loaded from the current folder's node_modules, so another version can be
// timed by running this from a folder where it is installed. Prints one JSON line.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    messages: { type: 'string', default: '20000' },
    batch: { type: 'string', default: '20' },
    rooms: { type: 'string', default: '10' },
    limit: { type: 'string', default: '1000' },
    runs: { type: 'string', default: '5' },
  },
});
const binding = positionals[0] ?? 'better-sqlite3';
const MESSAGES = Number(values.messages);
const BATCH = Number(values.batch);
const ROOMS = Number(values.rooms);
const LIMIT = Number(values.limit);
const RUNS = Number(values.runs);

const SCHEMA = `
  CREATE TABLE rooms (name TEXT PRIMARY KEY, count INTEGER NOT NULL DEFAULT 0,
    trimmed_ms INTEGER, trimmed_seq INTEGER, last_ms INTEGER) WITHOUT ROWID;
  CREATE TABLE messages (room TEXT NOT NULL, ms INTEGER NOT NULL, seq INTEGER NOT NULL,
    author TEXT NOT NULL, text TEXT NOT NULL, pos_ms INTEGER NOT NULL DEFAULT 0,
    pos_seq INTEGER NOT NULL DEFAULT 0, extra TEXT, PRIMARY KEY (room, ms, seq)) WITHOUT ROWID;
  CREATE INDEX messages_pos ON messages (room, pos_ms, pos_seq);
  CREATE TABLE dedup (key TEXT NOT NULL UNIQUE, message TEXT NOT NULL, origin TEXT NOT NULL,
    expires_at INTEGER NOT NULL);
  CREATE INDEX dedup_expiry ON dedup (expires_at);
`;
const SQL = {
  dedupGet: 'SELECT message, origin FROM dedup WHERE key = ? AND expires_at > ?',
  insert: `INSERT INTO messages (room, ms, seq, pos_ms, pos_seq, author, text, extra)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  countUp: `INSERT INTO rooms (name, count, last_ms) VALUES (?, 1, ?)
    ON CONFLICT (name) DO UPDATE SET count = count + 1, last_ms = excluded.last_ms
    RETURNING count`,
  oldest: 'SELECT ms, seq FROM messages WHERE room = ? ORDER BY ms, seq LIMIT ?',
  trimTo: 'DELETE FROM messages WHERE room = ? AND (ms < ? OR (ms = ? AND seq <= ?))',
  setTrimmed: 'UPDATE rooms SET count = count - ?, trimmed_ms = ?, trimmed_seq = ? WHERE name = ?',
  dedupPut: `INSERT INTO dedup (key, message, origin, expires_at) VALUES (?, ?, ?, ?)
    ON CONFLICT (key) DO UPDATE SET message = excluded.message, origin = excluded.origin,
      expires_at = excluded.expires_at`,
  dedupSweep: `DELETE FROM dedup WHERE rowid IN
    (SELECT rowid FROM dedup WHERE expires_at <= ? LIMIT 100)`,
};

/** Opens the database and returns { prepare, exec, batchOf, close, version }. */
async function open(path) {
  const pragmas = ['journal_mode = WAL', 'synchronous = NORMAL', 'busy_timeout = 2000'];
  if (binding === 'node:sqlite') {
    const { DatabaseSync } = await import('node:sqlite');
    const db = new DatabaseSync(path);
    for (const p of pragmas) db.exec(`PRAGMA ${p}`);
    db.exec(SCHEMA);
    const tx = {
      begin: db.prepare('BEGIN'),
      commit: db.prepare('COMMIT'),
      rollback: db.prepare('ROLLBACK'),
      savepoint: db.prepare('SAVEPOINT a'),
      release: db.prepare('RELEASE a'),
      undo: db.prepare('ROLLBACK TO a'),
    };
    // What db.transaction does in better-sqlite3: BEGIN for the outer, a savepoint inside.
    const wrap = (fn, begin, commit, rollback) => (arg) => {
      begin.run();
      try {
        const result = fn(arg);
        commit.run();
        return result;
      } catch (err) {
        rollback.run();
        throw err;
      }
    };
    return {
      prepare: (sql) => db.prepare(sql),
      batchOf: (each, before) => {
        const one = wrap(each, tx.savepoint, tx.release, tx.undo);
        return wrap((items) => (before(), items.map(one)), tx.begin, tx.commit, tx.rollback);
      },
      close: () => db.close(),
      version: `node:sqlite, SQLite ${db.prepare('SELECT sqlite_version() AS v').get().v}`,
    };
  }
  const Database = createRequire(join(process.cwd(), 'noop.js'))('better-sqlite3');
  const pkg = createRequire(join(process.cwd(), 'noop.js'))('better-sqlite3/package.json');
  const db = new Database(path);
  for (const p of pragmas) db.pragma(p);
  db.exec(SCHEMA);
  return {
    prepare: (sql) => db.prepare(sql),
    batchOf: (each, before) => {
      const one = db.transaction(each);
      return db.transaction((items) => (before(), items.map(one)));
    },
    close: () => db.close(),
    version: `better-sqlite3 ${pkg.version}, SQLite ${db.prepare('SELECT sqlite_version() AS v').get().v}`,
  };
}

async function run() {
  const dir = mkdtempSync(join(tmpdir(), 'sqlite-append-'));
  try {
    const db = await open(join(dir, 'chat.db'));
    const q = Object.fromEntries(Object.entries(SQL).map(([k, sql]) => [k, db.prepare(sql)]));
    let ms = 1_700_000_000_000;
    let seq = 0;
    const append = ({ room, clientId }) => {
      const at = ms;
      if (q.dedupGet.get(`${room}\n${clientId}`, at)) return 'duplicate';
      seq++;
      const author = JSON.stringify({ id: 'u1', name: 'Ada' });
      const text = `message ${seq} with some ordinary chat text in it`;
      q.insert.run(room, ms, seq, ms, seq, author, text, null);
      const { count } = q.countUp.get(room, ms);
      if (count > LIMIT) {
        const edge = q.oldest.all(room, count - LIMIT).at(-1);
        q.trimTo.run(room, edge.ms, edge.ms, edge.seq);
        q.setTrimmed.run(count - LIMIT, edge.ms, edge.seq, room);
      }
      const message = JSON.stringify({ id: `${ms}-${seq}`, room, author, text, ts: ms });
      q.dedupPut.run(`${room}\n${clientId}`, message, 'n1', at + 600_000);
      return message;
    };
    const batch = db.batchOf(append, () => q.dedupSweep.run(ms));
    const items = Array.from({ length: MESSAGES }, (_, i) => ({
      room: `room-${i % ROOMS}`,
      clientId: `c${i}`,
    }));
    const started = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    for (let i = 0; i < items.length; i += BATCH) {
      ms++;
      batch(items.slice(i, i + BATCH));
    }
    const elapsed = Number(process.hrtime.bigint() - started) / 1000;
    const { user, system } = process.cpuUsage(cpu);
    const version = db.version;
    db.close();
    return { version, us: elapsed / MESSAGES, cpuUs: (user + system) / MESSAGES };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const results = [];
for (let i = 0; i < RUNS; i++) results.push(await run());
const median = (key) => {
  const sorted = results.map((r) => r[key]).sort((a, b) => a - b);
  return Number((sorted[Math.floor(sorted.length / 2)] ?? 0).toFixed(2));
};
process.stdout.write(
  `${JSON.stringify({
    node: process.version,
    binding: results[0].version,
    messages: MESSAGES,
    batch: BATCH,
    // Median of the runs: wall-clock and CPU (user + system) time per append, in µs. CPU time
    // is the steadier of the two on a busy machine.
    wallUsPerAppend: median('us'),
    cpuUsPerAppend: median('cpuUs'),
  })}\n`,
);
