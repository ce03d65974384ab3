// T's clients sign in as real ones do: one account and session each, made over the HTTP API
// before the timed connect, so every handshake the bench measures is authenticated. Accounts,
// as a deployment has them by default (guests are off unless GUESTS=true); the bench's server
// hashes their passwords at the lowest SCRYPT_COST, a cost paid at sign-up only, before the
// clock starts. The cluster bench signs in guests.

import type { AuthResponse } from '../../common/contract.js';

/** A signed-in user: the session token to connect with, and the user's id (for `dm:open`). */
export interface SignedIn {
  token: string;
  userId: string;
}

/** Signs in through one of the auth routes; the session comes back as the cookie. */
async function signIn(base: string, route: string, body: object): Promise<SignedIn> {
  const res = await fetch(`${base}/api/auth/${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('chat_session='));
  if (res.status !== 201 || !cookie) throw new Error(`${route} failed: HTTP ${res.status}`);
  const { user } = (await res.json()) as AuthResponse;
  return { token: cookie.slice('chat_session='.length, cookie.indexOf(';')), userId: user.id };
}

/** `count` sign-ins, `concurrency` at a time. */
async function many(count: number, concurrency: number, one: () => Promise<SignedIn>) {
  const users: SignedIn[] = new Array<SignedIn>(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      users[i] = await one();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return users;
}

let made = 0;
const password = 'bench password, not a secret';

/** `count` new accounts of the chat at `base` (http://host:port), each signed in. */
export const newAccounts = (base: string, count: number, concurrency = 16) =>
  many(count, concurrency, () =>
    signIn(base, 'signup', { username: `b${process.pid}x${made++}`, password }),
  );

/** `count` session tokens of distinct guests of the chat at `base` (http://host:port). */
export async function guestSessions(base: string, count: number, concurrency = 16) {
  const guests = await many(count, concurrency, () =>
    signIn(base, 'guest', { name: `bench${process.pid}x${made++}` }),
  );
  return guests.map((s) => s.token);
}
