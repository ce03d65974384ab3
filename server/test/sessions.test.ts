import { SignJWT } from 'jose';
import { describe, expect, test } from 'vitest';
import { ErrorCode, type SessionEndedEvent } from '../../common/contract.js';
import { createMemoryAccounts } from '../src/accounts/memory-store.js';
import { apiRequest, logIn, signUp } from './support/accounts.js';
import { connect, createClient, joinOk, roundTrip, sendOk, waitFor } from './support/client.js';
import { startTestServer } from './support/server.js';

/** Resolves with what the socket was told and why it was disconnected. */
function ended(socket: ReturnType<typeof createClient>) {
  const told = waitFor<SessionEndedEvent>(socket, 'session:ended');
  const gone = waitFor<string>(socket, 'disconnect');
  return Promise.all([told, gone]).then(([event, reason]) => ({ event, reason }));
}

describe('sign-out', () => {
  test('ends the connections of that session only, at once, with session:ended', async () => {
    const { url } = await startTestServer();
    const laptop = await signUp(url, 'lena');
    const phone = await logIn(url, 'lena');
    const tab1 = await connect(url, { session: laptop.token });
    const tab2 = await connect(url, { session: laptop.token, transports: ['polling'] });
    const onPhone = await connect(url, { session: phone.token });
    const closing = [ended(tab1), ended(tab2)];

    const res = await apiRequest(url, 'POST', '/api/auth/logout', undefined, {
      cookie: laptop.cookie,
    });
    expect(res.status).toBe(204);
    for (const { event, reason } of await Promise.all(closing)) {
      expect(event).toEqual({ reason: 'logout' });
      expect(reason).toBe('io server disconnect');
    }
    // The phone's session is another one: it stays.
    await roundTrip(onPhone);
    expect(onPhone.connected).toBe(true);
  });

  test('sign-out everywhere ends every session of the user, and no one else’s', async () => {
    const { url } = await startTestServer();
    const laptop = await signUp(url, 'lena');
    const phone = await logIn(url, 'lena');
    const other = await signUp(url, 'otto');
    const a = await connect(url, { session: laptop.token });
    const b = await connect(url, { session: phone.token, transports: ['polling'] });
    const bystander = await connect(url, { session: other.token });
    const closing = [ended(a), ended(b)];
    const res = await apiRequest(url, 'POST', '/api/auth/logout-all', undefined, {
      cookie: phone.cookie,
    });
    expect(res.status).toBe(204);
    expect((await Promise.all(closing)).map((c) => c.event.reason)).toEqual(['logout', 'logout']);
    await roundTrip(bystander);
    expect(bystander.connected).toBe(true);
    // Neither session can connect again.
    for (const token of [laptop.token, phone.token]) {
      const socket = createClient(url, { session: token });
      const err = await waitFor<Error & { data?: { code?: string } }>(socket, 'connect_error');
      expect(err.data?.code).toBe(ErrorCode.UNAUTHORIZED);
    }
  });
});

describe('expiry on live connections', () => {
  const HOUR = 3_600_000;

  /**
   * A server whose clock the test moves. Its periodic check is an hour apart; the test runs
   * each check itself (`checkSessions`), as the timer would.
   */
  async function clockedServer() {
    let now = Date.now();
    const clock = () => now;
    const server = await startTestServer(
      { sessionTtlMs: HOUR, sessionCheckMs: HOUR },
      { now: clock, accounts: createMemoryAccounts(clock) },
    );
    return { ...server, advance: (ms: number) => (now += ms) };
  }

  test('a session unused for SESSION_TTL_MS ends its open connection', async () => {
    const { url, server, advance } = await clockedServer();
    const kim = await signUp(url, 'kim');
    const socket = await connect(url, { session: kim.token });
    const closing = ended(socket);
    advance(HOUR - 1);
    await server.checkSessions();
    await roundTrip(socket);
    expect(socket.connected).toBe(true);
    advance(2);
    await server.checkSessions();
    const { event, reason } = await closing;
    expect(event).toEqual({ reason: 'expired' });
    expect(reason).toBe('io server disconnect');
  });

  test('what a connection does counts as use: its session slides forward', async () => {
    const { url, server, advance } = await clockedServer();
    const kim = await signUp(url, 'kim');
    const socket = await connect(url, { session: kim.token });
    await joinOk(socket, 'general');
    for (let i = 0; i < 4; i++) {
      advance(HOUR / 2);
      await sendOk(socket, 'general', `still here ${i}`);
      // The check after the send finds the session in use and extends it.
      await server.checkSessions();
    }
    // Two hours on a one-hour session, and it is alive because it was used.
    await roundTrip(socket);
    expect(socket.connected).toBe(true);
    const me = await apiRequest(url, 'GET', '/api/auth/me', undefined, { cookie: kim.cookie });
    expect(me.status).toBe(200);
  });

  test('a host application’s token ends its connection once exp passes', async () => {
    const secret = 's'.repeat(32);
    let now = Date.now();
    const { url, server } = await startTestServer(
      { jwtSecret: secret, sessionCheckMs: HOUR },
      { now: () => now },
    );
    const token = await new SignJWT({ name: 'Host User' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('host-42')
      .setExpirationTime(Math.floor(now / 1000) + 60)
      .sign(new TextEncoder().encode(secret));
    const socket = await connect(url, { auth: { token } });
    const closing = ended(socket);
    now += 59_000;
    await server.checkSessions();
    await roundTrip(socket);
    now += 2000;
    await server.checkSessions();
    expect((await closing).event).toEqual({ reason: 'expired' });
  });
});
