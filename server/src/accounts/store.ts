import { createHash, randomBytes } from 'node:crypto';
import { DELETED_USER_NAME } from '../../../common/contract.js';

/** A person who can sign in, or a guest who chose a name for one session. */
export interface Account {
  id: string;
  /** Lowercased; undefined for guests. */
  username: string | undefined;
  /** The display name others see. */
  name: string;
  guest: boolean;
  /** When the account was made, in ms since the epoch. */
  createdAt: number;
  /** Suspended by an operator: no sign-in, no session. */
  suspended?: true;
  /**
   * Deleted by its owner: what is kept is the id only, named `DELETED_USER_NAME`, with no
   * username, password or session, so that messages it wrote can say so.
   */
  deleted?: true;
}

export interface NewUser {
  username: string;
  name: string;
  passwordHash: string;
}

/** Accounts, behind one async interface with memory, SQLite and Redis implementations. */
export interface AccountStore {
  /** Creates an account; undefined when the username is taken. */
  createUser(input: NewUser): Promise<Account | undefined>;
  createGuest(name: string): Promise<Account>;
  findById(id: string): Promise<Account | undefined>;
  /** The account and its password hash, by (lowercased) username. */
  findByUsername(username: string): Promise<{ account: Account; passwordHash: string } | undefined>;
  /** True when a registered account's username or display name has this name key. */
  isRegisteredName(key: string): Promise<boolean>;
  /** Changes an account's display name; undefined when there is no such account. */
  rename(id: string, name: string): Promise<Account | undefined>;
  /** Suspends an account, or lifts it; undefined when there is no such account. */
  setSuspended(id: string, suspended: boolean): Promise<Account | undefined>;
  /** Replaces a registered account's password hash; false when there is no such account. */
  setPassword(id: string, passwordHash: string): Promise<boolean>;
  /**
   * Deletes an account: its username and names are free again, its password is gone, and
   * `findById` gives only `{ id, name: DELETED_USER_NAME, deleted: true }`. False when there
   * is no such account or it was deleted already. Sessions are ended apart (`revokeAll`).
   */
  delete(id: string): Promise<boolean>;
}

/** What is left of a deleted account. */
export const deletedAccount = (account: Account): Account => ({
  id: account.id,
  username: undefined,
  name: DELETED_USER_NAME,
  guest: account.guest,
  createdAt: account.createdAt,
  deleted: true,
});

export interface Session {
  /** The SHA-256 of the token, so that a copy of the store holds no usable credentials. */
  id: string;
  userId: string;
  createdAt: number;
  /** Ms since the epoch; pushed back by every use (inactivity expiry). */
  expiresAt: number;
}

/** Sign-in sessions; the token is what the cookie carries, the id what is stored. */
export interface SessionStore {
  create(userId: string, ttlMs: number): Promise<{ token: string; session: Session }>;
  /** The live session with its expiry pushed to now + ttl; undefined when unknown, ended or expired. */
  touch(sessionId: string, ttlMs: number): Promise<Session | undefined>;
  /** The live session as it is, without extending it; undefined when unknown, ended or expired. */
  find(sessionId: string): Promise<Session | undefined>;
  revoke(sessionId: string): Promise<void>;
  /** Ends every session of a user but `except` (if given); returns the ids ended. */
  revokeAll(userId: string, except?: string): Promise<string[]>;
}

export const sessionIdOf = (token: string): string =>
  createHash('sha256').update(token).digest('base64url');

/** A new account, registered (with a username) or a guest; every store makes them here. */
export const newAccount = (name: string, username: string | undefined, at: number): Account => ({
  id: randomBytes(12).toString('base64url'),
  username,
  name,
  guest: username === undefined,
  createdAt: at,
});

/** A new session and the token that names it; only the token's hash is ever stored. */
export function newSession(
  userId: string,
  ttlMs: number,
  at: number,
): { token: string; session: Session } {
  const token = randomBytes(32).toString('base64url');
  return {
    token,
    session: { id: sessionIdOf(token), userId, createdAt: at, expiresAt: at + ttlMs },
  };
}
