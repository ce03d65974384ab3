import type { RedisClient } from '../storage/redis-client.js';
import { decodeText, encodeText } from '../storage/text-codec.js';
import { redisCall } from '../storage/unavailable.js';
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

// Keys (under the deployment's prefix):
//   user:<id>            hash: the account, and `hash` (password) for registered users
//   username:<username>  the id of the account with that username (taken with SET NX)
//   names                set of the name keys of registered usernames and display names
//   session:<id>         JSON of the session, expiring with it
//   user:<id>:sessions   set of that user's session ids (some may have expired)
// Usernames and names are written through the text codec: Redis holds UTF-8, where a lone
// surrogate would turn into U+FFFD (and two usernames into one key).

const toAccount = (h: Record<string, string>): Account | undefined =>
  h.id === undefined || h.name === undefined
    ? undefined
    : {
        id: h.id,
        username:
          h.username === undefined || h.username === '' ? undefined : decodeText(h.username),
        name: decodeText(h.name),
        guest: h.guest === '1',
        createdAt: Number(h.createdAt),
        ...(h.suspended === '1' ? { suspended: true } : {}),
        ...(h.deleted === '1' ? { deleted: true } : {}),
      };

/**
 * Accounts and sessions in Redis, beside the history streams, so that every node of a
 * cluster can sign anyone in. A session's expiry is decided on `now` (the clock tests
 * drive); its key also expires in Redis (PX) after the same time, so nothing needs a sweep.
 */
// eslint-disable-next-line max-lines-per-function -- a factory of small closures (its methods), each well under the limit
export function createRedisAccounts(
  redis: RedisClient,
  prefix: string,
  now: () => number = Date.now,
): { accounts: AccountStore; sessions: SessionStore } {
  const key = {
    user: (id: string) => `${prefix}user:${id}`,
    username: (username: string) => `${prefix}username:${encodeText(username)}`,
    names: `${prefix}names`,
    session: (id: string) => `${prefix}session:${id}`,
    userSessions: (userId: string) => `${prefix}user:${userId}:sessions`,
  };

  const save = (account: Account, passwordHash: string | undefined) =>
    redis.hset(key.user(account.id), {
      id: account.id,
      username: account.username === undefined ? '' : encodeText(account.username),
      name: encodeText(account.name),
      guest: account.guest ? '1' : '0',
      createdAt: String(account.createdAt),
      ...(passwordHash === undefined ? {} : { hash: passwordHash }),
    });

  const accounts: AccountStore = {
    async createUser({ username, name, passwordHash }) {
      const account = newAccount(name, username, now());
      // The username is claimed first and atomically: of two signups, one wins.
      const claimed = await redis.set(key.username(username), account.id, 'NX');
      if (claimed !== 'OK') return undefined;
      await save(account, passwordHash);
      await redis.sadd(key.names, nameKey(name), nameKey(username));
      return account;
    },
    async createGuest(name) {
      const account = newAccount(name, undefined, now());
      await save(account, undefined);
      return account;
    },
    async findById(id) {
      return toAccount(await redis.hgetall(key.user(id)));
    },
    async findByUsername(username) {
      const id = await redis.get(key.username(username));
      if (id === null) return undefined;
      const fields = await redis.hgetall(key.user(id));
      const account = toAccount(fields);
      return account && fields.hash !== undefined
        ? { account, passwordHash: fields.hash }
        : undefined;
    },
    async isRegisteredName(nameKeyToCheck) {
      return (await redis.sismember(key.names, nameKeyToCheck)) === 1;
    },
    async setSuspended(id, suspended) {
      const account = toAccount(await redis.hgetall(key.user(id)));
      if (!account) return undefined;
      if (suspended) await redis.hset(key.user(id), 'suspended', '1');
      else await redis.hdel(key.user(id), 'suspended');
      const { suspended: _was, ...rest } = account;
      return suspended ? { ...rest, suspended: true } : rest;
    },
    async setPassword(id, passwordHash) {
      const account = toAccount(await redis.hgetall(key.user(id)));
      if (!account || account.guest || account.deleted) return false;
      await redis.hset(key.user(id), 'hash', passwordHash);
      return true;
    },
    async delete(id) {
      const account = toAccount(await redis.hgetall(key.user(id)));
      if (!account || account.deleted) return false;
      const left = deletedAccount(account);
      await redis.hset(key.user(id), { username: '', name: left.name, deleted: '1' });
      await redis.hdel(key.user(id), 'hash', 'suspended');
      if (account.username !== undefined) {
        // Only if the username still names this account (it always should).
        const claimed = key.username(account.username);
        if ((await redis.get(claimed)) === id) await redis.del(claimed);
        await redis.srem(key.names, nameKey(account.name), nameKey(account.username));
      }
      return true;
    },
    async rename(id, name) {
      const account = toAccount(await redis.hgetall(key.user(id)));
      if (!account) return undefined;
      await redis.hset(key.user(id), 'name', encodeText(name));
      if (!account.guest) {
        // The account and the names set are in different slots on Redis Cluster, so two
        // writes: the names set's own change stays atomic (no moment with neither name).
        const update = redis.multi();
        // The username's key stays registered whatever the display name becomes.
        const old = nameKey(account.name);
        if (old !== nameKey(account.username ?? '')) update.srem(key.names, old);
        await update.sadd(key.names, nameKey(name)).exec();
      }
      return { ...account, name };
    },
  };

  const liveSession = async (id: string): Promise<Session | undefined> => {
    const raw = await redis.get(key.session(id));
    if (raw === null) return undefined;
    const stored = JSON.parse(raw) as Session;
    // Redis expires the key itself; this covers a clock that runs ahead of Redis's.
    if (stored.expiresAt <= now()) {
      await redis.del(key.session(id));
      return undefined;
    }
    return stored;
  };

  const sessions: SessionStore = {
    async create(userId, ttlMs) {
      const at = now();
      const { token, session } = newSession(userId, ttlMs, at);
      // Listed under the user first: a session that exists is always one revokeAll finds.
      // (Its key and the list are in different slots on Redis Cluster: two writes.)
      await redis.sadd(key.userSessions(userId), session.id);
      await redis.set(key.session(session.id), JSON.stringify(session), 'PX', ttlMs);
      return { token, session };
    },
    async touch(id, ttlMs) {
      const stored = await liveSession(id);
      if (!stored) return undefined;
      const session = { ...stored, expiresAt: now() + ttlMs };
      // XX: a session revoked meanwhile stays revoked.
      const kept = await redis.set(key.session(id), JSON.stringify(session), 'PX', ttlMs, 'XX');
      return kept === 'OK' ? session : undefined;
    },
    find: liveSession,
    async revoke(sessionId) {
      const raw = await redis.getdel(key.session(sessionId));
      if (raw !== null) {
        await redis.srem(key.userSessions((JSON.parse(raw) as Session).userId), sessionId);
      }
    },
    async revokeAll(userId, except) {
      const ids = (await redis.smembers(key.userSessions(userId))).filter((id) => id !== except);
      // One DEL per session: each session's key sits in a slot of its own on Redis Cluster.
      await Promise.all(ids.map((id) => redis.del(key.session(id))));
      if (ids.length > 0) await redis.srem(key.userSessions(userId), ...ids);
      return ids;
    },
  };
  return { accounts: guarded(accounts), sessions: guarded(sessions) };
}

/** Every method of a store, with connection failures reported as StoreUnavailableError. */
function guarded<T extends object>(store: T): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(store)) {
    wrapped[name] =
      typeof method === 'function'
        ? (...args: unknown[]) =>
            redisCall(() => (method as (...a: unknown[]) => Promise<unknown>)(...args))
        : method;
  }
  return wrapped as T;
}
