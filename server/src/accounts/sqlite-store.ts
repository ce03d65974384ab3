import { DELETED_USER_NAME } from '../../../common/contract.js';
import type { SqliteDatabase } from '../storage/sqlite.js';
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

interface UserRow {
  id: string;
  username: string | null;
  name: string;
  guest: number;
  created_at: number;
  password_hash: string | null;
  suspended: number;
  deleted: number;
}

const toAccount = (r: UserRow): Account => ({
  id: r.id,
  username: r.username === null ? undefined : decodeText(r.username),
  name: decodeText(r.name),
  guest: r.guest === 1,
  createdAt: r.created_at,
  ...(r.suspended === 1 ? { suspended: true as const } : {}),
  ...(r.deleted === 1 ? { deleted: true as const } : {}),
});

interface SessionRow {
  id: string;
  user_id: string;
  created_at: number;
  expires_at: number;
}

const toSession = (r: SessionRow): Session => ({
  id: r.id,
  userId: r.user_id,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
});

/** Accounts and sessions in the node's SQLite database (STORE=sqlite, the default). */
// eslint-disable-next-line max-lines-per-function -- a factory of small closures (its methods), each well under the limit
export function createSqliteAccounts(
  db: SqliteDatabase,
  now: () => number = Date.now,
): { accounts: AccountStore; sessions: SessionStore } {
  const q = {
    insertUser: db.prepare(
      `INSERT INTO users (id, username, username_key, name, name_key, password_hash, guest, created_at)
       VALUES (@id, @username, @usernameKey, @name, @nameKey, @passwordHash, @guest, @createdAt)
       ON CONFLICT (username) DO NOTHING`,
    ),
    byId: db.prepare<[string], UserRow>('SELECT * FROM users WHERE id = ?'),
    byUsername: db.prepare<[string], UserRow>('SELECT * FROM users WHERE username = ?'),
    registered: db.prepare<[string, string], { n: number }>(
      `SELECT 1 AS n FROM users WHERE guest = 0 AND (name_key = ? OR username_key = ?) LIMIT 1`,
    ),
    insertSession: db.prepare(
      'INSERT INTO sessions (id, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)',
    ),
    touch: db.prepare<[number, string, number], SessionRow>(
      'UPDATE sessions SET expires_at = ? WHERE id = ? AND expires_at > ? RETURNING *',
    ),
    suspend: db.prepare<[number, string], UserRow>(
      'UPDATE users SET suspended = ? WHERE id = ? RETURNING *',
    ),
    setPassword: db.prepare<[string, string]>(
      'UPDATE users SET password_hash = ? WHERE id = ? AND guest = 0 AND deleted = 0',
    ),
    otherSessions: db.prepare<[string, string], { id: string }>(
      'DELETE FROM sessions WHERE user_id = ? AND id <> ? RETURNING id',
    ),
    // The name key is emptied: no name is taken by a deleted account.
    deleteUser: db.prepare<[string, string]>(
      `UPDATE users SET username = NULL, username_key = NULL, name = ?, name_key = '',
         password_hash = NULL, suspended = 0, deleted = 1 WHERE id = ? AND deleted = 0`,
    ),
    rename: db.prepare<[string, string, string], UserRow>(
      'UPDATE users SET name = ?, name_key = ? WHERE id = ? RETURNING *',
    ),
    findSession: db.prepare<[string, number], SessionRow>(
      'SELECT * FROM sessions WHERE id = ? AND expires_at > ?',
    ),
    deleteSession: db.prepare('DELETE FROM sessions WHERE id = ?'),
    deleteExpired: db.prepare('DELETE FROM sessions WHERE expires_at <= ?'),
    userSessions: db.prepare<[string], { id: string }>(
      'DELETE FROM sessions WHERE user_id = ? RETURNING id',
    ),
  };

  const insert = (account: Account, passwordHash: string | undefined): boolean =>
    q.insertUser.run({
      id: account.id,
      username: account.username === undefined ? null : encodeText(account.username),
      usernameKey: account.username === undefined ? null : nameKey(account.username),
      name: encodeText(account.name),
      nameKey: nameKey(account.name),
      passwordHash: passwordHash ?? null,
      guest: account.guest ? 1 : 0,
      createdAt: account.createdAt,
    }).changes === 1;

  const accounts: AccountStore = {
    createUser({ username, name, passwordHash }) {
      const account = newAccount(name, username, now());
      return Promise.resolve(insert(account, passwordHash) ? account : undefined);
    },
    createGuest(name) {
      const account = newAccount(name, undefined, now());
      insert(account, undefined);
      return Promise.resolve(account);
    },
    findById(id) {
      const row = q.byId.get(id);
      return Promise.resolve(row && toAccount(row));
    },
    findByUsername(username) {
      const row = q.byUsername.get(encodeText(username));
      return Promise.resolve(
        row?.password_hash == null
          ? undefined
          : { account: toAccount(row), passwordHash: row.password_hash },
      );
    },
    isRegisteredName(key) {
      return Promise.resolve(q.registered.get(key, key) !== undefined);
    },
    setSuspended(id, suspended) {
      const row = q.suspend.get(suspended ? 1 : 0, id);
      return Promise.resolve(row && toAccount(row));
    },
    setPassword(id, passwordHash) {
      return Promise.resolve(q.setPassword.run(passwordHash, id).changes > 0);
    },
    delete(id) {
      return Promise.resolve(q.deleteUser.run(DELETED_USER_NAME, id).changes > 0);
    },
    rename(id, name) {
      const row = q.rename.get(encodeText(name), nameKey(name), id);
      return Promise.resolve(row && toAccount(row));
    },
  };

  const sessions: SessionStore = {
    create(userId, ttlMs) {
      const at = now();
      const { token, session } = newSession(userId, ttlMs, at);
      q.deleteExpired.run(at);
      q.insertSession.run(session.id, userId, at, session.expiresAt);
      return Promise.resolve({ token, session });
    },
    touch(sessionId, ttlMs) {
      const at = now();
      const row = q.touch.get(at + ttlMs, sessionId, at);
      return Promise.resolve(row && toSession(row));
    },
    find(sessionId) {
      const row = q.findSession.get(sessionId, now());
      return Promise.resolve(row && toSession(row));
    },
    revoke(sessionId) {
      q.deleteSession.run(sessionId);
      return Promise.resolve();
    },
    revokeAll(userId, except) {
      const rows =
        except === undefined ? q.userSessions.all(userId) : q.otherSessions.all(userId, except);
      return Promise.resolve(rows.map((r) => r.id));
    },
  };
  return { accounts, sessions };
}
