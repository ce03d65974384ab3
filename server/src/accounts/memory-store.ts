import { nameKey } from './names.js';
import {
  deletedAccount,
  newAccount,
  newSession,
  type Account,
  type AccountStore,
  type Session,
  type SessionStore,
} from './store.js';

/** Accounts and sessions held in this process (STORE=memory): lost on restart. */
// eslint-disable-next-line max-lines-per-function -- a factory of small closures (its methods), each well under the limit
export function createMemoryAccounts(now: () => number = Date.now): {
  accounts: AccountStore;
  sessions: SessionStore;
} {
  const byId = new Map<string, { account: Account; passwordHash: string | undefined }>();
  const byUsername = new Map<string, string>();
  const registeredKeys = new Set<string>();
  const sessions = new Map<string, Session>();

  const accounts: AccountStore = {
    createUser({ username, name, passwordHash }) {
      if (byUsername.has(username)) return Promise.resolve(undefined);
      const account = newAccount(name, username, now());
      byId.set(account.id, { account, passwordHash });
      byUsername.set(username, account.id);
      registeredKeys.add(nameKey(name)).add(nameKey(username));
      return Promise.resolve(account);
    },
    createGuest(name) {
      const account = newAccount(name, undefined, now());
      byId.set(account.id, { account, passwordHash: undefined });
      return Promise.resolve(account);
    },
    findById(id) {
      return Promise.resolve(byId.get(id)?.account);
    },
    findByUsername(username) {
      const entry = byId.get(byUsername.get(username) ?? '');
      return Promise.resolve(
        entry?.passwordHash === undefined
          ? undefined
          : { account: entry.account, passwordHash: entry.passwordHash },
      );
    },
    isRegisteredName(key) {
      return Promise.resolve(registeredKeys.has(key));
    },
    setSuspended(id, suspended) {
      const entry = byId.get(id);
      if (!entry) return Promise.resolve(undefined);
      const { suspended: _was, ...rest } = entry.account;
      entry.account = suspended ? { ...rest, suspended: true } : rest;
      return Promise.resolve(entry.account);
    },
    setPassword(id, passwordHash) {
      const entry = byId.get(id);
      if (!entry || entry.account.guest || entry.account.deleted) return Promise.resolve(false);
      entry.passwordHash = passwordHash;
      return Promise.resolve(true);
    },
    delete(id) {
      const entry = byId.get(id);
      if (!entry || entry.account.deleted) return Promise.resolve(false);
      const { account } = entry;
      if (account.username !== undefined) {
        byUsername.delete(account.username);
        registeredKeys.delete(nameKey(account.name));
        registeredKeys.delete(nameKey(account.username));
      }
      byId.set(id, { account: deletedAccount(account), passwordHash: undefined });
      return Promise.resolve(true);
    },
    rename(id, name) {
      const entry = byId.get(id);
      if (!entry) return Promise.resolve(undefined);
      const { account } = entry;
      if (!account.guest) {
        // The username's key stays registered whatever the display name becomes.
        if (nameKey(account.name) !== nameKey(account.username ?? '')) {
          registeredKeys.delete(nameKey(account.name));
        }
        registeredKeys.add(nameKey(name));
      }
      entry.account = { ...account, name };
      return Promise.resolve({ ...entry.account });
    },
  };

  const live = (id: string): Session | undefined => {
    const session = sessions.get(id);
    if (session && session.expiresAt <= now()) sessions.delete(id);
    return sessions.get(id);
  };

  const sessionStore: SessionStore = {
    create(userId, ttlMs) {
      const at = now();
      const { token, session } = newSession(userId, ttlMs, at);
      sessions.set(session.id, session);
      return Promise.resolve({ token, session: { ...session } });
    },
    touch(sessionId, ttlMs) {
      const session = live(sessionId);
      if (session) session.expiresAt = now() + ttlMs;
      return Promise.resolve(session && { ...session });
    },
    find(sessionId) {
      const session = live(sessionId);
      return Promise.resolve(session && { ...session });
    },
    revoke(sessionId) {
      sessions.delete(sessionId);
      return Promise.resolve();
    },
    revokeAll(userId, except) {
      const ids = [...sessions.values()]
        .filter((s) => s.userId === userId && s.id !== except)
        .map((s) => s.id);
      for (const id of ids) sessions.delete(id);
      return Promise.resolve(ids);
    },
  };
  return { accounts, sessions: sessionStore };
}
