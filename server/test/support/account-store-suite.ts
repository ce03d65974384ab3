import { describe, expect, test } from 'vitest';
import { DELETED_USER_NAME } from '../../../common/contract.js';
import type { ThrottleFactory } from '../../src/limits/login-throttle.js';
import { nameKey } from '../../src/accounts/names.js';
import { sessionIdOf, type AccountStore, type SessionStore } from '../../src/accounts/store.js';

/** Texts a database may mangle: SQL, a NUL, lone surrogates, a long run of emoji. */
const AWKWARD = [
  "'; DROP TABLE users; --",
  'nul \u0000 inside',
  'lone high \ud83d end',
  '\udc00 lone low first',
  '\uffff mark first',
  '😀'.repeat(2000),
];

export interface AccountStores {
  accounts: AccountStore;
  sessions: SessionStore;
  /** Moves the stores' clock forward, in ms. */
  advance: (ms: number) => Promise<void>;
}

/**
 * The behaviour every account and session store must have. Each implementation runs this
 * suite with a factory that returns fresh, empty stores.
 */
export function accountStoreSuite(name: string, create: () => Promise<AccountStores>): void {
  describe(`account store: ${name}`, () => {
    test('a user is found by id and by username, with the password hash', async () => {
      const { accounts } = await create();
      const made = await accounts.createUser({
        username: 'alice',
        name: 'Alice A.',
        passwordHash: 'h1',
      });
      expect(made).toMatchObject({ username: 'alice', name: 'Alice A.', guest: false });
      if (!made) throw new Error('not created');
      expect(await accounts.findById(made.id)).toEqual(made);
      expect(await accounts.findByUsername('alice')).toEqual({ account: made, passwordHash: 'h1' });
      expect(await accounts.findByUsername('bob')).toBeUndefined();
      expect(await accounts.findById('nobody')).toBeUndefined();
    });

    test('an account is suspended and lifted; the flag shows wherever the account is read', async () => {
      const { accounts } = await create();
      const made = await accounts.createUser({ username: 'sam', name: 'Sam', passwordHash: 'h' });
      if (!made) throw new Error('not created');
      expect(made.suspended).toBeUndefined();
      expect(await accounts.setSuspended(made.id, true)).toEqual({ ...made, suspended: true });
      expect(await accounts.findById(made.id)).toEqual({ ...made, suspended: true });
      expect((await accounts.findByUsername('sam'))?.account.suspended).toBe(true);
      expect(await accounts.setSuspended(made.id, false)).toEqual(made);
      expect(await accounts.findById(made.id)).toEqual(made);
      expect(await accounts.setSuspended('nobody', true)).toBeUndefined();
    });

    test('a username is taken once, even by concurrent signups', async () => {
      const { accounts } = await create();
      const attempts = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          accounts.createUser({ username: 'carol', name: `Carol ${i}`, passwordHash: 'h' }),
        ),
      );
      expect(attempts.filter((a) => a !== undefined)).toHaveLength(1);
    });

    test('registered usernames and display names are known by name key; guests are not', async () => {
      const { accounts } = await create();
      await accounts.createUser({ username: 'dave_x', name: 'Dávid', passwordHash: 'h' });
      const guest = await accounts.createGuest('Visitor');
      expect(guest).toMatchObject({ guest: true, username: undefined, name: 'Visitor' });
      expect(await accounts.findById(guest.id)).toEqual(guest);
      // A guest has no password: it can never sign in by username.
      expect(await accounts.isRegisteredName(nameKey('DAVE-X'))).toBe(true);
      expect(await accounts.isRegisteredName(nameKey('david'))).toBe(true);
      expect(await accounts.isRegisteredName(nameKey('visitor'))).toBe(false);
      expect(await accounts.isRegisteredName(nameKey('eve'))).toBe(false);
    });

    test('a rename changes the display name and which name keys are registered', async () => {
      const { accounts } = await create();
      const user = await accounts.createUser({ username: 'ivan', name: 'Ivan', passwordHash: 'h' });
      const guest = await accounts.createGuest('Visitor');
      if (!user) throw new Error('not created');
      expect(await accounts.rename(user.id, 'Ivy')).toMatchObject({ id: user.id, name: 'Ivy' });
      expect((await accounts.findById(user.id))?.name).toBe('Ivy');
      expect(await accounts.isRegisteredName(nameKey('Ivy'))).toBe(true);
      // The old display name is free again; the username (the same key here) stays taken.
      const other = await accounts.createUser({
        username: 'jules',
        name: 'Jules',
        passwordHash: 'h',
      });
      if (!other) throw new Error('not created');
      await accounts.rename(other.id, 'Jay');
      expect(await accounts.isRegisteredName(nameKey('Jules'))).toBe(true);
      await accounts.rename(other.id, 'Jo');
      expect(await accounts.isRegisteredName(nameKey('Jay'))).toBe(false);
      expect(await accounts.isRegisteredName(nameKey('ivan'))).toBe(true);
      // Guests' names are never registered.
      expect(await accounts.rename(guest.id, 'Wanderer')).toMatchObject({ name: 'Wanderer' });
      expect(await accounts.isRegisteredName(nameKey('Wanderer'))).toBe(false);
      expect(await accounts.rename('no-such-id', 'X')).toBeUndefined();
    });

    test('a session is found by its token, and its expiry slides with use', async () => {
      const { accounts, sessions, advance } = await create();
      const user = await accounts.createUser({ username: 'erin', name: 'Erin', passwordHash: 'h' });
      if (!user) throw new Error('not created');
      const { token, session } = await sessions.create(user.id, 1000);
      expect(session).toMatchObject({ id: sessionIdOf(token), userId: user.id });
      expect(session.id).not.toBe(token);
      await advance(600);
      const touched = await sessions.touch(sessionIdOf(token), 1000);
      expect(touched?.userId).toBe(user.id);
      expect(touched?.expiresAt).toBeGreaterThan(session.expiresAt);
      // find reads without extending.
      expect(await sessions.find(session.id)).toEqual(touched);
      await advance(600);
      // 1200 ms after it was made, but only 600 since it was last used.
      expect(await sessions.touch(session.id, 1000)).toBeDefined();
      expect(await sessions.touch(sessionIdOf('not-a-token'), 1000)).toBeUndefined();
      expect(await sessions.find(sessionIdOf('not-a-token'))).toBeUndefined();
    });

    test('an unused session expires', async () => {
      const { accounts, sessions, advance } = await create();
      const user = await accounts.createUser({ username: 'finn', name: 'Finn', passwordHash: 'h' });
      if (!user) throw new Error('not created');
      const { session } = await sessions.create(user.id, 300);
      await advance(200);
      expect(await sessions.find(session.id)).toBeDefined();
      await advance(200);
      expect(await sessions.find(session.id)).toBeUndefined();
      expect(await sessions.touch(session.id, 300)).toBeUndefined();
    });

    test('revoke ends one session; revokeAll ends every session of a user and only theirs', async () => {
      const { accounts, sessions } = await create();
      const a = await accounts.createUser({ username: 'gina', name: 'Gina', passwordHash: 'h' });
      const b = await accounts.createUser({ username: 'hugo', name: 'Hugo', passwordHash: 'h' });
      if (!a || !b) throw new Error('not created');
      const one = await sessions.create(a.id, 60_000);
      const two = await sessions.create(a.id, 60_000);
      const three = await sessions.create(a.id, 60_000);
      const other = await sessions.create(b.id, 60_000);
      await sessions.revoke(one.session.id);
      expect(await sessions.find(one.session.id)).toBeUndefined();
      expect(await sessions.find(two.session.id)).toBeDefined();
      expect((await sessions.revokeAll(a.id)).sort()).toEqual(
        [two.session.id, three.session.id].sort(),
      );
      expect(await sessions.find(two.session.id)).toBeUndefined();
      expect(await sessions.find(three.session.id)).toBeUndefined();
      expect(await sessions.find(other.session.id)).toBeDefined();
    });

    test('revokeAll with `except` keeps that session; setPassword replaces the hash of users only', async () => {
      const { accounts, sessions } = await create();
      const a = await accounts.createUser({ username: 'iris', name: 'Iris', passwordHash: 'old' });
      const guest = await accounts.createGuest('Passer');
      if (!a) throw new Error('not created');
      const kept = await sessions.create(a.id, 60_000);
      const ended = await sessions.create(a.id, 60_000);
      expect(await sessions.revokeAll(a.id, kept.session.id)).toEqual([ended.session.id]);
      expect(await sessions.find(kept.session.id)).toBeDefined();
      expect(await sessions.find(ended.session.id)).toBeUndefined();
      expect(await accounts.setPassword(a.id, 'new')).toBe(true);
      expect((await accounts.findByUsername('iris'))?.passwordHash).toBe('new');
      expect(await accounts.setPassword(guest.id, 'x')).toBe(false);
      expect(await accounts.setPassword('no-such-id', 'x')).toBe(false);
    });

    test('usernames and names come back exactly as they were given, whatever they hold', async () => {
      const { accounts } = await create();
      for (const [i, text] of AWKWARD.entries()) {
        const user = await accounts.createUser({ username: text, name: text, passwordHash: 'h' });
        if (!user) throw new Error(`not created: ${i}`);
        expect(user).toMatchObject({ username: text, name: text });
        expect(await accounts.findById(user.id)).toEqual(user);
        expect(await accounts.findByUsername(text)).toEqual({ account: user, passwordHash: 'h' });
        const renamed = AWKWARD[(i + 1) % AWKWARD.length] ?? '';
        expect(await accounts.rename(user.id, renamed)).toEqual({ ...user, name: renamed });
        expect((await accounts.findById(user.id))?.name).toBe(renamed);
        const guest = await accounts.createGuest(text);
        expect(await accounts.findById(guest.id)).toEqual({ ...guest, name: text });
      }
      expect(await accounts.findByUsername('lone high \ud83e end')).toBeUndefined();
    });

    test('delete frees the username and names, keeps only the id as “Deleted user”', async () => {
      const { accounts } = await create();
      const a = await accounts.createUser({ username: 'jana', name: 'Jana J', passwordHash: 'h' });
      const b = await accounts.createUser({ username: 'kurt', name: 'Kurt', passwordHash: 'h' });
      if (!a || !b) throw new Error('not created');
      expect(await accounts.delete(a.id)).toBe(true);
      expect(await accounts.findById(a.id)).toEqual({
        id: a.id,
        username: undefined,
        name: DELETED_USER_NAME,
        guest: false,
        createdAt: a.createdAt,
        deleted: true,
      });
      expect(await accounts.findByUsername('jana')).toBeUndefined();
      expect(await accounts.isRegisteredName(nameKey('jana'))).toBe(false);
      expect(await accounts.isRegisteredName(nameKey('Jana J'))).toBe(false);
      expect(await accounts.isRegisteredName(nameKey(DELETED_USER_NAME))).toBe(false);
      expect(await accounts.setPassword(a.id, 'x')).toBe(false);
      expect(await accounts.delete(a.id)).toBe(false);
      expect(await accounts.delete('no-such-id')).toBe(false);
      // Someone else's account is untouched; the username can be signed up again.
      expect((await accounts.findByUsername('kurt'))?.account.id).toBe(b.id);
      expect(await accounts.isRegisteredName(nameKey('Kurt'))).toBe(true);
      const again = await accounts.createUser({
        username: 'jana',
        name: 'Jana J',
        passwordHash: 'n',
      });
      expect(again?.id).not.toBe(a.id);
      expect((await accounts.findByUsername('jana'))?.passwordHash).toBe('n');
    });
  });
}

/** The behaviour of every failed-sign-in counter. */
export function throttleSuite(
  name: string,
  create: (now: () => number) => Promise<ThrottleFactory>,
): void {
  describe(`login throttle: ${name}`, () => {
    test('refuses a key after `limit` failures in the window, until the oldest ages out', async () => {
      let now = 1_000_000;
      const factory = await create(() => now);
      const throttle = factory({ name: 'username', limit: 3, windowMs: 1000, now: () => now });
      for (let i = 0; i < 3; i++) {
        expect(await throttle.allowed('alice')).toBe(true);
        await throttle.failed('alice');
        now += 100;
      }
      expect(await throttle.allowed('alice')).toBe(false);
      expect(await throttle.allowed('bob')).toBe(true);
      now += 701; // the first failure is now older than the window
      expect(await throttle.allowed('alice')).toBe(true);
    });

    test('a success clears the key; counters of another name are apart', async () => {
      const now = 1_000_000;
      const factory = await create(() => now);
      const byName = factory({ name: 'username', limit: 1, windowMs: 1000, now: () => now });
      const byAddress = factory({ name: 'address', limit: 1, windowMs: 1000, now: () => now });
      await byName.failed('x');
      expect(await byName.allowed('x')).toBe(false);
      expect(await byAddress.allowed('x')).toBe(true);
      await byName.succeeded('x');
      expect(await byName.allowed('x')).toBe(true);
    });
  });
}
