import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

export type SqliteDatabase = Database.Database;

/**
 * The schema, one migration per version. A database records the version it has reached
 * (`PRAGMA user_version`); opening it applies the missing ones in order, each in a
 * transaction. Never edit a migration that has shipped: add the next one.
 */
const MIGRATIONS: readonly string[] = [
  // 1: room history with the edge of what was trimmed, and clientIds remembered for retries.
  `
  CREATE TABLE rooms (
    name TEXT PRIMARY KEY,
    count INTEGER NOT NULL DEFAULT 0,
    trimmed_ms INTEGER,
    trimmed_seq INTEGER
  ) WITHOUT ROWID;
  CREATE TABLE messages (
    room TEXT NOT NULL,
    ms INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    author TEXT NOT NULL,
    text TEXT NOT NULL,
    PRIMARY KEY (room, ms, seq)
  ) WITHOUT ROWID;
  CREATE TABLE dedup (
    key TEXT NOT NULL UNIQUE,
    message TEXT NOT NULL,
    origin TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  );
  CREATE INDEX dedup_expiry ON dedup (expires_at);
  `,
  // 2: accounts (guests have no username or password) and sign-in sessions.
  `
  CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT UNIQUE,
    username_key TEXT,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    password_hash TEXT,
    guest INTEGER NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX users_name_key ON users (name_key) WHERE guest = 0;
  CREATE INDEX users_username_key ON users (username_key) WHERE guest = 0;
  CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  );
  CREATE INDEX sessions_user ON sessions (user_id);
  CREATE INDEX sessions_expiry ON sessions (expires_at);
  `,
  // 3: changes to messages (edits, deletions, reactions). Each takes the room's next
  // position; a message records its latest (pos_*) and what changed (extra, JSON). The
  // changes table keeps the positions themselves, so a client resuming from one is known.
  // Change positions are bounded like messages, with their own count and trim edge.
  `
  ALTER TABLE rooms ADD COLUMN changes INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE rooms ADD COLUMN changes_trimmed_ms INTEGER;
  ALTER TABLE rooms ADD COLUMN changes_trimmed_seq INTEGER;
  ALTER TABLE messages ADD COLUMN pos_ms INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE messages ADD COLUMN pos_seq INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE messages ADD COLUMN extra TEXT;
  UPDATE messages SET pos_ms = ms, pos_seq = seq;
  CREATE INDEX messages_pos ON messages (room, pos_ms, pos_seq);
  CREATE TABLE changes (
    room TEXT NOT NULL,
    ms INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (room, ms, seq)
  ) WITHOUT ROWID;
  `,
  // 4: direct conversations (who is in each) and how far each user has read each room.
  `
  CREATE TABLE conversations (
    room TEXT NOT NULL,
    user_id TEXT NOT NULL,
    UNIQUE (room, user_id)
  );
  CREATE INDEX conversations_user ON conversations (user_id);
  CREATE TABLE read_marks (
    user_id TEXT NOT NULL,
    room TEXT NOT NULL,
    position TEXT NOT NULL,
    PRIMARY KEY (user_id, room)
  ) WITHOUT ROWID;
  `,
  // 5: moderation: each room's settings, its moderators (in the order they were made) and
  // invitations, its bans and mutes (the sanction as JSON, one per user and kind), and its
  // audit log (entries as JSON, in the order recorded; the store keeps the newest).
  `
  CREATE TABLE room_settings (
    room TEXT PRIMARY KEY,
    owner TEXT,
    private INTEGER NOT NULL,
    topic TEXT,
    created_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE room_moderators (
    room TEXT NOT NULL,
    user_id TEXT NOT NULL,
    UNIQUE (room, user_id)
  );
  CREATE TABLE room_invites (
    room TEXT NOT NULL,
    user_id TEXT NOT NULL,
    PRIMARY KEY (room, user_id)
  ) WITHOUT ROWID;
  CREATE TABLE room_sanctions (
    room TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('ban', 'mute')),
    user_id TEXT NOT NULL,
    sanction TEXT NOT NULL,
    PRIMARY KEY (room, kind, user_id)
  ) WITHOUT ROWID;
  CREATE TABLE room_audit (
    id INTEGER PRIMARY KEY,
    room TEXT NOT NULL,
    entry TEXT NOT NULL
  );
  CREATE INDEX room_audit_room ON room_audit (room, id);
  `,
  // 6: reports of messages, one per reporting user and message. `seq` orders them as filed;
  // resolving one sets resolved_by, resolved_at and resolved_seq (the order of resolutions).
  `
  CREATE TABLE room_reports (
    seq INTEGER PRIMARY KEY,
    room TEXT NOT NULL,
    id TEXT NOT NULL,
    message_id TEXT NOT NULL,
    by_user TEXT NOT NULL,
    reason TEXT NOT NULL,
    at INTEGER NOT NULL,
    resolved_by TEXT,
    resolved_at INTEGER,
    resolved_seq INTEGER,
    UNIQUE (room, id),
    UNIQUE (room, message_id, by_user)
  );
  CREATE INDEX room_reports_order ON room_reports (room, resolved_seq, seq);
  `,
  // 7: operators can suspend an account (no sign-in, no session).
  `
  ALTER TABLE users ADD COLUMN suspended INTEGER NOT NULL DEFAULT 0;
  `,
  // 8: a report keeps the reported message as it was (its author and text, as JSON); reports
  // filed before have none.
  `
  ALTER TABLE room_reports ADD COLUMN quote TEXT;
  `,
  // 9: each room's latest activity (the position time of its newest message or change), so
  // that opening a room reads one row per room instead of every message held.
  `
  ALTER TABLE rooms ADD COLUMN last_ms INTEGER;
  UPDATE rooms SET last_ms = (SELECT MAX(pos_ms) FROM messages WHERE messages.room = rooms.name);
  `,
  // 10: the rooms each user is in, and their pending invitations (as JSON), by user, so that
  // both follow the user to every device.
  `
  CREATE TABLE user_rooms (
    user_id TEXT NOT NULL,
    room TEXT NOT NULL,
    PRIMARY KEY (user_id, room)
  ) WITHOUT ROWID;
  CREATE TABLE user_invitations (
    user_id TEXT NOT NULL,
    room TEXT NOT NULL,
    invitation TEXT NOT NULL,
    PRIMARY KEY (user_id, room)
  ) WITHOUT ROWID;
  `,
  // 11: an account deleted by its owner keeps its row (id only), so its messages can say so.
  `
  ALTER TABLE users ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;
  `,
  // 12: a room's own retention, in days; and the message a reply quotes, by key, so that
  // purging a message finds the replies that still hold its words.
  `
  ALTER TABLE room_settings ADD COLUMN retention_days INTEGER;
  ALTER TABLE messages ADD COLUMN reply_ms INTEGER;
  ALTER TABLE messages ADD COLUMN reply_seq INTEGER;
  UPDATE messages SET
    reply_ms = CAST(substr(json_extract(extra, '$.replyTo.id'), 1,
      instr(json_extract(extra, '$.replyTo.id'), '-') - 1) AS INTEGER),
    reply_seq = CAST(substr(json_extract(extra, '$.replyTo.id'),
      instr(json_extract(extra, '$.replyTo.id'), '-') + 1) AS INTEGER)
  WHERE json_extract(extra, '$.replyTo.id') IS NOT NULL;
  CREATE INDEX messages_reply ON messages (room, reply_ms, reply_seq) WHERE reply_ms IS NOT NULL;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Opens (creating if needed) the database at `path`, or an in-memory one for ':memory:',
 * and brings its schema up to date. WAL lets readers run beside the writer; with
 * `synchronous = NORMAL` a committed write survives a crash of the process (only a crash of
 * the machine may lose the last moments).
 */
export function openDatabase(path: string): SqliteDatabase {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  // Another connection holding the write lock (a backup, a second process) is waited for.
  db.pragma('busy_timeout = 2000');
  migrate(db);
  return db;
}

function migrate(db: SqliteDatabase): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    db.close();
    throw new Error(
      `the database has schema version ${current}, newer than this server knows (${SCHEMA_VERSION})`,
    );
  }
  for (let version = current; version < SCHEMA_VERSION; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version] ?? '');
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}
