// T's clients sign in as real ones do: one account and session each, made over the HTTP API
// before the timed connect, so every handshake the bench measures is authenticated. Accounts,
// as a deployment has them by default (guests are off unless GUESTS=true); the bench's server
// hashes their passwords at the lowest SCRYPT_COST, a cost paid at sign-up only, before the
// clock starts. The cluster bench signs in guests.

import type { AuthResponse } from '../../common/contract.js';

let guests = 0;

/** A signed-in user: the session token to connect with, and the user's id (for `dm:open`). */
export interface SignedIn {
  token: string;
  userId: string;
}

async function guestSession(base: string, name: string): Promise<SignedIn> {
  const res = await fetch(`${base}/api/auth/guest`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('chat_session='));
  if (res.status !== 201 || !cookie) throw new Error(`guest sign-in failed: HTTP ${res.status}`);
  const { user } = (await res.json()) as AuthResponse;
  return { token: cookie.slice('chat_session='.length, cookie.indexOf(';')), userId: user.id };
}

let accounts = 0;

async function accountSession(base: string, username: string): Promise<SignedIn> {
  const res = await fetch(`${base}/api/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: 'bench password, not a secret' }),
  });
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('chat_session='));
  if (res.status !== 201 || !cookie) throw new Error(`sign-up failed: HTTP ${res.status}`);
  const { user } = (await res.json()) as AuthResponse;
  return { token: cookie.slice('chat_session='.length, cookie.indexOf(';')), userId: user.id };
}

/** `count` new accounts of the chat at `base` (http://host:port), each signed in. */
export async function newAccounts(base: string, count: number, concurrency = 16) {
  const users: SignedIn[] = new Array<SignedIn>(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      users[i] = await accountSession(base, `b${process.pid}x${accounts++}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return users;
}

/** `count` distinct guests of the chat at `base` (http://host:port), signed in. */
export async function guestAccounts(
  base: string,
  count: number,
  concurrency = 16,
): Promise<SignedIn[]> {
  const users: SignedIn[] = new Array<SignedIn>(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      users[i] = await guestSession(base, `bench${process.pid}x${guests++}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return users;
}

/** `count` session tokens of distinct guests of the chat at `base` (http://host:port). */
export async function guestSessions(base: string, count: number, concurrency = 16) {
  return (await guestAccounts(base, count, concurrency)).map((s) => s.token);
}
