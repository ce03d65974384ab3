import {
  ErrorCode,
  type AckFailure,
  type Member,
  type PublicUser,
  type SignupRequest,
} from '../../../common/contract.js';
import type { Config } from '../config.js';
import type { UserLimits } from '../limits/user-limits.js';
import { fail } from '../errors.js';
import { codePoints } from '../../../common/text.js';
import { memoryThrottle, type ThrottleFactory } from '../limits/login-throttle.js';
import { checkDisplayName, checkUsername, nameKey } from './names.js';
import { createPasswordHasher, PASSWORD_MAX, PASSWORD_MIN } from './passwords.js';
import {
  sessionIdOf,
  type Account,
  type AccountStore,
  type Session,
  type SessionStore,
} from './store.js';

/** Failed sign-ins a username may have in `LOGIN_WINDOW_MS` before it is refused. */
const LOGIN_FAILURES_PER_USERNAME = 5;
/** Failed sign-ins one client address may have in the window. */
const LOGIN_FAILURES_PER_ADDRESS = 20;
const LOGIN_WINDOW_MS = 15 * 60_000;

export const publicUser = (account: Account): PublicUser => ({
  id: account.id,
  name: account.name,
  ...(account.username === undefined ? {} : { username: account.username }),
  ...(account.guest ? { guest: true as const } : {}),
});

/** The member an account is in rooms and as an author. */
export const memberOf = (account: Account): Member =>
  account.guest
    ? { id: account.id, name: account.name, guest: true }
    : {
        id: account.id,
        name: account.name,
        ...(account.username === undefined ? {} : { username: account.username }),
      };

export interface SignedIn {
  account: Account;
  token: string;
  session: Session;
}

export interface AuthDeps {
  config: Config;
  accounts: AccountStore;
  sessions: SessionStore;
  now: () => number;
  /** Where failed sign-ins are counted; Redis in a cluster. Default: this process. */
  throttle?: ThrottleFactory;
  /** True when a guest other than `exceptUserId` is online under a name with this name's key. */
  guestOnline?: (name: string, exceptUserId?: string) => Promise<boolean>;
  /**
   * Guest sign-ins and sign-ups per address (`GUESTS_PER_HOUR_PER_ADDRESS`,
   * `SIGNUPS_PER_HOUR_PER_ADDRESS`); unlimited without.
   */
  userLimits?: Pick<UserLimits, 'takeHourly'>;
}

const WRONG_CREDENTIALS = 'wrong username or password';

/** A session's expiry slides on use at most this often. */
const TOUCH_EVERY_MS = 60_000;

function checkPassword(raw: unknown): string | AckFailure {
  if (typeof raw !== 'string') return fail(ErrorCode.BAD_REQUEST, 'password must be a string');
  const length = codePoints(raw.normalize('NFC'));
  if (length < PASSWORD_MIN || length > PASSWORD_MAX) {
    return fail(
      ErrorCode.BAD_REQUEST,
      `password must be ${PASSWORD_MIN}–${PASSWORD_MAX} characters`,
    );
  }
  return raw;
}

/**
 * Accounts and sessions as the HTTP API and the socket handshake use them. Every method
 * returns the outcome or a failure with the contract's code; none throws for bad input.
 */
// eslint-disable-next-line max-lines-per-function -- a factory of small closures (its methods), each well under the limit
export function createAuth(deps: AuthDeps) {
  const { accounts, sessions, config } = deps;
  const hasher = createPasswordHasher(config.scryptCost);
  const throttle = deps.throttle ?? memoryThrottle;
  const windowed = { windowMs: LOGIN_WINDOW_MS, now: deps.now };
  const byUsername = throttle({
    name: 'username',
    limit: LOGIN_FAILURES_PER_USERNAME,
    ...windowed,
  });
  const byAddress = throttle({ name: 'address', limit: LOGIN_FAILURES_PER_ADDRESS, ...windowed });

  const guestNameTaken = async (name: string, self?: string): Promise<AckFailure | undefined> => {
    if (await accounts.isRegisteredName(nameKey(name))) {
      return fail(ErrorCode.NAME_TAKEN, 'this name belongs to a registered user');
    }
    if (await deps.guestOnline?.(name, self)) {
      return fail(ErrorCode.NAME_TAKEN, 'another guest online uses this name');
    }
    return undefined;
  };

  /**
   * Checks a signed-in user's password again before a change to the account, counted with
   * the sign-in failures (same username and address limits), so it is no way around them.
   */
  const confirmPassword = async (
    account: Account,
    password: unknown,
    address: string,
  ): Promise<AckFailure | undefined> => {
    const name = account.username ?? '';
    if (account.guest || name === '') {
      return fail(ErrorCode.FORBIDDEN, 'guests have no password; sign up for an account');
    }
    const [nameOk, addressOk] = await Promise.all([
      byUsername.allowed(name),
      byAddress.allowed(address),
    ]);
    if (!nameOk || !addressOk) {
      return fail(ErrorCode.RATE_LIMITED, 'too many wrong passwords; try again later');
    }
    const found = await accounts.findByUsername(name);
    const given = typeof password === 'string' ? password : '';
    if (found?.account.id !== account.id || !(await hasher.verify(given, found.passwordHash))) {
      await Promise.all([byUsername.failed(name), byAddress.failed(address)]);
      return fail(ErrorCode.UNAUTHORIZED, 'wrong password');
    }
    await byUsername.succeeded(name);
    return undefined;
  };

  const startSession = async (account: Account): Promise<SignedIn> => {
    const { token, session } = await sessions.create(account.id, config.sessionTtlMs);
    return { account, token, session };
  };

  return {
    async signup(
      input: Partial<Record<keyof SignupRequest, unknown>>,
      address: string,
    ): Promise<SignedIn | AckFailure> {
      const username = checkUsername(input.username);
      if (typeof username !== 'string') return username;
      const password = checkPassword(input.password);
      if (typeof password !== 'string') return password;
      const name = checkDisplayName(input.displayName ?? username);
      if (typeof name !== 'string') return name;
      if (await accounts.findByUsername(username)) {
        return fail(ErrorCode.USERNAME_TAKEN, 'this username is taken');
      }
      // Nobody may take a name that is, or looks like, someone else's username or display name.
      const keys = new Set([nameKey(name), nameKey(username)]);
      for (const key of keys) {
        if (await accounts.isRegisteredName(key)) {
          return fail(ErrorCode.NAME_TAKEN, 'this name, or one like it, belongs to someone else');
        }
      }
      // Each sign-up costs a password hash (tens of ms of CPU) and an account kept for good:
      // one address may not make many.
      if (deps.userLimits && !(await deps.userLimits.takeHourly('signup', { address }))) {
        return fail(
          ErrorCode.RATE_LIMITED,
          'too many new accounts from this address; try again later',
        );
      }
      const account = await accounts.createUser({
        username,
        name,
        passwordHash: await hasher.hash(password),
      });
      if (!account) return fail(ErrorCode.USERNAME_TAKEN, 'this username is taken');
      return startSession(account);
    },

    async login(
      username: unknown,
      password: unknown,
      address: string,
    ): Promise<SignedIn | AckFailure> {
      const name = typeof username === 'string' ? username.trim().toLowerCase() : '';
      const [nameOk, addressOk] = await Promise.all([
        byUsername.allowed(name),
        byAddress.allowed(address),
      ]);
      if (!nameOk || !addressOk) {
        return fail(ErrorCode.RATE_LIMITED, 'too many failed sign-ins; try again later');
      }
      const found = await accounts.findByUsername(name);
      // The same work and the same answer whether the user exists or not.
      const ok = await hasher.verify(
        typeof password === 'string' ? password : '',
        found?.passwordHash,
      );
      if (!found || !ok) {
        await Promise.all([byUsername.failed(name), byAddress.failed(address)]);
        return fail(ErrorCode.UNAUTHORIZED, WRONG_CREDENTIALS);
      }
      await byUsername.succeeded(name);
      if (found.account.suspended) {
        return fail(ErrorCode.SUSPENDED, 'this account is suspended; contact the operators');
      }
      return startSession(found.account);
    },

    async guest(raw: unknown, address: string): Promise<SignedIn | AckFailure> {
      if (!config.guests) return fail(ErrorCode.FORBIDDEN, 'guests are not allowed here');
      const name = checkDisplayName(raw);
      if (typeof name !== 'string') return name;
      const taken = await guestNameTaken(name);
      if (taken) return taken;
      // Each guest is a new identity with its own allowances: one address may not mint many.
      if (deps.userLimits && !(await deps.userLimits.takeHourly('guest', { address }))) {
        return fail(ErrorCode.RATE_LIMITED, 'too many guests from this address; try again later');
      }
      return startSession(await accounts.createGuest(name));
    },

    /** Changes a user's display name under the same rules as at sign-up or guest sign-in. */
    async rename(account: Account, raw: unknown): Promise<Account | AckFailure> {
      const name = checkDisplayName(raw);
      if (typeof name !== 'string') return name;
      const key = nameKey(name);
      if (account.guest) {
        const taken = await guestNameTaken(name, account.id);
        if (taken) return taken;
      } else {
        const own = key === nameKey(account.name) || key === nameKey(account.username ?? '');
        if (!own && (await accounts.isRegisteredName(key))) {
          return fail(ErrorCode.NAME_TAKEN, 'this name, or one like it, belongs to someone else');
        }
      }
      const renamed = await accounts.rename(account.id, name);
      return renamed ?? fail(ErrorCode.UNAUTHORIZED, 'this account no longer exists');
    },

    /** The signed-in account of a session token, extending the session; undefined when none. */
    async sessionUser(
      token: string | undefined,
    ): Promise<{ account: Account; session: Session } | undefined> {
      if (token === undefined) return undefined;
      const id = sessionIdOf(token);
      const found = await sessions.find(id);
      if (!found) return undefined;
      // Sliding the expiry is a write; once a minute per session is enough to keep it within
      // a minute of SESSION_TTL_MS after the last use, and spares a write per handshake.
      const slack = Math.min(config.sessionTtlMs / 100, TOUCH_EVERY_MS);
      const fresh = found.expiresAt - deps.now() > config.sessionTtlMs - slack;
      const session = fresh ? found : await sessions.touch(id, config.sessionTtlMs);
      if (!session) return undefined;
      const account = await accounts.findById(session.userId);
      return account && !account.suspended && !account.deleted ? { account, session } : undefined;
    },

    /**
     * Changes the password of the signed-in user, who gives the current one; every other
     * session of the account ends (their ids are returned, to close their connections).
     */
    async changePassword(
      signed: { account: Account; session: Session },
      current: unknown,
      next: unknown,
      address: string,
    ): Promise<{ ended: string[] } | AckFailure> {
      const password = checkPassword(next);
      if (typeof password !== 'string') return password;
      const refused = await confirmPassword(signed.account, current, address);
      if (refused) return refused;
      if (!(await accounts.setPassword(signed.account.id, await hasher.hash(password)))) {
        return fail(ErrorCode.UNAUTHORIZED, 'this account no longer exists');
      }
      return { ended: await sessions.revokeAll(signed.account.id, signed.session.id) };
    },

    /**
     * Deletes the signed-in user's own account, who gives its password: the username is free
     * again and every session ends (their ids are returned, to close their connections).
     */
    async deleteAccount(
      account: Account,
      password: unknown,
      address: string,
    ): Promise<{ ended: string[] } | AckFailure> {
      const refused = await confirmPassword(account, password, address);
      if (refused) return refused;
      if (!(await accounts.delete(account.id))) {
        return fail(ErrorCode.UNAUTHORIZED, 'this account no longer exists');
      }
      return { ended: await sessions.revokeAll(account.id) };
    },

    logout: (sessionId: string) => sessions.revoke(sessionId),
    logoutAll: (userId: string) => sessions.revokeAll(userId),
  };
}

export type Auth = ReturnType<typeof createAuth>;
