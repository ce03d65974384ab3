import { DELETED_USER_NAME } from '../../../common/contract.js';
import { pgCall, type Migration, type PostgresPool } from '../storage/postgres.js';
import { decodeText, encodeText } from '../storage/text-codec.js';
import { nameKey } from './names.js';
import {
  newAccount,
  newSession,
  type Account,
  type AccountStore,
  type Session,
  type SessionStore,
} from './store.js';

/**
 * The accounts' tables. A username is unique by its name key (what the sign-up rule compares
 * anyway): two nodes signing up "dave_x" and "dave-x" at once cannot both succeed, which a
 * check before the insert could not promise. Deleting an account empties its keys, so its
 * names are free again. Sessions are found by id (the token's hash) alone: that is their key.
 */
export const accountsMigrations: readonly Migration[] = [
  {
    id: 'accounts-1',
    sql: `
      CREATE TABLE users (
        id TEXT PRIMARY KEY,
        username TEXT,
        username_key TEXT,
        name TEXT NOT NULL,
        name_key TEXT NOT NULL,
        password_hash TEXT,
        guest BOOLEAN NOT NULL,
        created_at BIGINT NOT NULL,
        suspended BOOLEAN NOT NULL DEFAULT false,
        deleted BOOLEAN NOT NULL DEFAULT false
      );
      CREATE UNIQUE INDEX users_username_key ON users (username_key);
      -- Sign-in looks a user up by the username itself.
      CREATE UNIQUE INDEX users_username ON users (username);
      CREATE INDEX users_name_key ON users (name_key) WHERE NOT guest;
      CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL
      );
      CREATE INDEX sessions_user ON sessions (user_id);
      CREATE INDEX sessions_expiry ON sessions (expires_at);
    `,
  },
];

interface UserRow {
  id: string;
  username: string | null;
  name: string;
  guest: boolean;
  created_at: string;
  password_hash: string | null;
  suspended: boolean;
  deleted: boolean;
}

// BIGINT columns come back as strings (they may exceed 2^53); ms since the epoch do not.
const toAccount = (r: UserRow): Account => ({
  id: r.id,
  username: r.username === null ? undefined : decodeText(r.username),
  name: decodeText(r.name),
  guest: r.guest,
  createdAt: Number(r.created_at),
  ...(r.suspended ? { suspended: true as const } : {}),
  ...(r.deleted ? { deleted: true as const } : {}),
});

interface SessionRow {
  id: string;
  user_id: string;
  created_at: string;
  expires_at: string;
}

const toSession = (r: SessionRow): Session => ({
  id: r.id,
  userId: r.user_id,
  createdAt: Number(r.created_at),
  expiresAt: Number(r.expires_at),
});

/** Expired sessions removed by each sign-in, so that the table never needs a sweep of its own. */
const SWEEP_BATCH = 100;

/**
 * Accounts and sessions in PostgreSQL, shared by every node. Each write is one statement,
 * atomic on its own; a session's expiry is decided on `now` (the clock tests drive).
 */
export function createPostgresAccounts(
  pool: PostgresPool,
  now: () => number = Date.now,
): { accounts: AccountStore; sessions: SessionStore } {
  return { accounts: postgresAccountStore(pool, now), sessions: postgresSessionStore(pool, now) };
}

function postgresAccountStore(pool: PostgresPool, now: () => number): AccountStore {
  const one = async (sql: string, values: unknown[]): Promise<Account | undefined> => {
    const row = (await pgCall(() => pool.query<UserRow>(sql, values))).rows[0];
    return row && toAccount(row);
  };
  const changed = async (sql: string, values: unknown[]): Promise<boolean> =>
    ((await pgCall(() => pool.query(sql, values))).rowCount ?? 0) > 0;

  // ON CONFLICT DO NOTHING on the username's key: of concurrent sign-ups, one row is made.
  const insert = (account: Account, passwordHash: string | undefined): Promise<boolean> =>
    changed(
      `INSERT INTO users (id, username, username_key, name, name_key, password_hash, guest, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT DO NOTHING`,
      [
        account.id,
        account.username === undefined ? null : encodeText(account.username),
        account.username === undefined ? null : nameKey(account.username),
        encodeText(account.name),
        nameKey(account.name),
        passwordHash ?? null,
        account.guest,
        account.createdAt,
      ],
    );

  return {
    async createUser({ username, name, passwordHash }) {
      const account = newAccount(name, username, now());
      return (await insert(account, passwordHash)) ? account : undefined;
    },
    async createGuest(name) {
      const account = newAccount(name, undefined, now());
      // A random id never conflicts; a guest has no username to conflict on.
      await insert(account, undefined);
      return account;
    },
    findById: (id) => one('SELECT * FROM users WHERE id = $1', [id]),
    async findByUsername(username) {
      const row = (
        await pgCall(() =>
          pool.query<UserRow>('SELECT * FROM users WHERE username = $1', [encodeText(username)]),
        )
      ).rows[0];
      return row?.password_hash == null
        ? undefined
        : { account: toAccount(row), passwordHash: row.password_hash };
    },
    isRegisteredName: (key) =>
      changed(
        'SELECT 1 FROM users WHERE NOT guest AND (name_key = $1 OR username_key = $1) LIMIT 1',
        [key],
      ),
    setSuspended: (id, suspended) =>
      one('UPDATE users SET suspended = $1 WHERE id = $2 RETURNING *', [suspended, id]),
    setPassword: (id, passwordHash) =>
      changed('UPDATE users SET password_hash = $1 WHERE id = $2 AND NOT guest AND NOT deleted', [
        passwordHash,
        id,
      ]),
    // The name key is emptied: no name is taken by a deleted account.
    delete: (id) =>
      changed(
        `UPDATE users SET username = NULL, username_key = NULL, name = $1, name_key = '',
           password_hash = NULL, suspended = false, deleted = true
         WHERE id = $2 AND NOT deleted`,
        [DELETED_USER_NAME, id],
      ),
    rename: (id, name) =>
      one('UPDATE users SET name = $1, name_key = $2 WHERE id = $3 RETURNING *', [
        encodeText(name),
        nameKey(name),
        id,
      ]),
  };
}

function postgresSessionStore(pool: PostgresPool, now: () => number): SessionStore {
  const query = (sql: string, values: unknown[]) =>
    pgCall(() => pool.query<SessionRow>(sql, values));
  return {
    async create(userId, ttlMs) {
      const at = now();
      const { token, session } = newSession(userId, ttlMs, at);
      // A bounded batch of expired sessions goes with each new one, whoever's they are.
      await query(
        `DELETE FROM sessions WHERE id IN
           (SELECT id FROM sessions WHERE expires_at <= $1 LIMIT $2)`,
        [at, SWEEP_BATCH],
      );
      await query(
        'INSERT INTO sessions (id, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)',
        [session.id, userId, at, session.expiresAt],
      );
      return { token, session };
    },
    async touch(sessionId, ttlMs) {
      const at = now();
      // One statement: a session revoked or expired meanwhile is not brought back.
      const row = (
        await query(
          'UPDATE sessions SET expires_at = $1 WHERE id = $2 AND expires_at > $3 RETURNING *',
          [at + ttlMs, sessionId, at],
        )
      ).rows[0];
      return row && toSession(row);
    },
    async find(sessionId) {
      const row = (
        await query('SELECT * FROM sessions WHERE id = $1 AND expires_at > $2', [sessionId, now()])
      ).rows[0];
      return row && toSession(row);
    },
    async revoke(sessionId) {
      await query('DELETE FROM sessions WHERE id = $1', [sessionId]);
    },
    async revokeAll(userId, except) {
      const rows = (
        await query(
          'DELETE FROM sessions WHERE user_id = $1 AND id IS DISTINCT FROM $2 RETURNING id',
          [userId, except ?? null],
        )
      ).rows;
      return rows.map((r) => r.id);
    },
  };
}
