import { describe, expect, test } from 'vitest';
import {
  DELETED_USER_NAME,
  ErrorCode,
  type AuthResponse,
  type SessionEndedEvent,
} from '../../common/contract.js';
import { apiRequest, logIn, signInGuest, signUp, TEST_PASSWORD } from './support/accounts.js';
import { connect, joinOk, roundTrip, sendOk, waitFor } from './support/client.js';
import { startTestServer } from './support/server.js';

const NEW_PASSWORD = 'a brand new secret';

const codeOf = (body: unknown): string | undefined =>
  (body as { error?: { code?: string } } | undefined)?.error?.code;

describe('POST /api/auth/password', () => {
  test('needs the current password; then other sessions end and this one stays', async () => {
    const { url } = await startTestServer({ scryptCost: 10 });
    const laptop = await signUp(url, 'lena');
    const phone = await logIn(url, 'lena');
    const otto = await signUp(url, 'otto');
    const here = await connect(url, { session: laptop.token });
    const there = await connect(url, { session: phone.token });
    const theirs = await connect(url, { session: otto.token });
    const change = (cookie: string, currentPassword: unknown, newPassword: unknown) =>
      apiRequest(url, 'POST', '/api/auth/password', { currentPassword, newPassword }, { cookie });

    const wrong = await change(laptop.cookie, 'not my password', NEW_PASSWORD);
    expect([wrong.status, codeOf(wrong.body)]).toEqual([401, ErrorCode.UNAUTHORIZED]);
    const short = await change(laptop.cookie, TEST_PASSWORD, 'short');
    expect([short.status, codeOf(short.body)]).toEqual([400, ErrorCode.BAD_REQUEST]);
    const anonymous = await change('', TEST_PASSWORD, NEW_PASSWORD);
    expect(anonymous.status).toBe(401);

    const told = waitFor<SessionEndedEvent>(there, 'session:ended');
    const ok = await change(laptop.cookie, TEST_PASSWORD, NEW_PASSWORD);
    expect(ok.status).toBe(204);
    expect(await told).toEqual({ reason: 'logout' });
    const me = (cookie: string) =>
      apiRequest(url, 'GET', '/api/auth/me', undefined, { cookie }).then((r) => r.status);
    expect(await me(phone.cookie)).toBe(401);
    expect(await me(laptop.cookie)).toBe(200);
    await roundTrip(here);
    expect(here.connected).toBe(true);
    // Nobody else's session moves.
    await roundTrip(theirs);
    expect(theirs.connected).toBe(true);
    expect(await me(otto.cookie)).toBe(200);

    const login = (password: string) =>
      apiRequest(url, 'POST', '/api/auth/login', { username: 'lena', password });
    expect((await login(TEST_PASSWORD)).status).toBe(401);
    expect((await login(NEW_PASSWORD)).status).toBe(200);
    // Otto's password is untouched.
    expect(
      (
        await apiRequest(url, 'POST', '/api/auth/login', {
          username: 'otto',
          password: TEST_PASSWORD,
        })
      ).status,
    ).toBe(200);
  });

  test('a user changes only their own account, guests have none, other origins are refused', async () => {
    const { url } = await startTestServer({ scryptCost: 10, guests: true });
    await signUp(url, 'lena');
    const otto = await signUp(url, 'otto');
    // Otto, signed in, giving Lena's password, changes nothing of Lena's: it is checked
    // against his own account.
    const attempt = await apiRequest(
      url,
      'POST',
      '/api/auth/password',
      { currentPassword: 'not otto’s', newPassword: NEW_PASSWORD, username: 'lena' },
      { cookie: otto.cookie },
    );
    expect(attempt.status).toBe(401);
    const lena = await apiRequest(url, 'POST', '/api/auth/login', {
      username: 'lena',
      password: TEST_PASSWORD,
    });
    expect(lena.status).toBe(200);

    const guest = await signInGuest(url, 'Visitor');
    const byGuest = await apiRequest(
      url,
      'POST',
      '/api/auth/password',
      { currentPassword: TEST_PASSWORD, newPassword: NEW_PASSWORD },
      { cookie: guest.cookie },
    );
    expect([byGuest.status, codeOf(byGuest.body)]).toEqual([403, ErrorCode.FORBIDDEN]);

    const crossSite = await apiRequest(
      url,
      'POST',
      '/api/auth/password',
      { currentPassword: TEST_PASSWORD, newPassword: NEW_PASSWORD },
      { cookie: otto.cookie, origin: 'https://evil.example' },
    );
    expect([crossSite.status, codeOf(crossSite.body)]).toEqual([403, ErrorCode.FORBIDDEN]);
  });

  test('wrong current passwords count with the sign-in failures', async () => {
    const { url } = await startTestServer({ scryptCost: 10 });
    const lena = await signUp(url, 'lena');
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await apiRequest(
        url,
        'POST',
        '/api/auth/password',
        { currentPassword: `guess ${i}`, newPassword: NEW_PASSWORD },
        { cookie: lena.cookie },
      );
      statuses.push(res.status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    // The right password is refused too until the window passes: guessing gains nothing.
    const right = await apiRequest(
      url,
      'POST',
      '/api/auth/password',
      { currentPassword: TEST_PASSWORD, newPassword: NEW_PASSWORD },
      { cookie: lena.cookie },
    );
    expect(right.status).toBe(429);
  });
});

describe('POST /api/auth/delete', () => {
  const remove = (url: string, cookie: string, body: unknown, origin?: string) =>
    apiRequest(url, 'POST', '/api/auth/delete', body, {
      cookie,
      ...(origin === undefined ? {} : { origin }),
    });
  const login = (url: string, username: string) =>
    apiRequest(url, 'POST', '/api/auth/login', { username, password: TEST_PASSWORD });

  test('with the password: every session ends, the username is free, messages say “Deleted user”', async () => {
    const { url } = await startTestServer({ scryptCost: 10 });
    const laptop = await signUp(url, 'lena', 'Lena L');
    const phone = await logIn(url, 'lena');
    const otto = await signUp(url, 'otto');
    const here = await connect(url, { session: laptop.token });
    const there = await connect(url, { session: phone.token });
    const theirs = await connect(url, { session: otto.token });
    await joinOk(here, 'lobby');
    await joinOk(theirs, 'lobby');
    const written = await sendOk(here, 'lobby', 'hello from lena');

    const wrong = await remove(url, laptop.cookie, { password: 'not my password' });
    expect([wrong.status, codeOf(wrong.body)]).toEqual([401, ErrorCode.UNAUTHORIZED]);
    expect((await login(url, 'lena')).status).toBe(200);

    const toldHere = waitFor<SessionEndedEvent>(here, 'session:ended');
    const toldThere = waitFor<SessionEndedEvent>(there, 'session:ended');
    const ok = await remove(url, laptop.cookie, { password: TEST_PASSWORD });
    expect(ok.status).toBe(204);
    expect(String(ok.headers['set-cookie'])).toMatch(/chat_session=;/);
    expect(await toldHere).toEqual({ reason: 'logout' });
    expect(await toldThere).toEqual({ reason: 'logout' });
    const me = (cookie: string) =>
      apiRequest(url, 'GET', '/api/auth/me', undefined, { cookie }).then((r) => r.status);
    expect(await me(laptop.cookie)).toBe(401);
    expect(await me(phone.cookie)).toBe(401);
    expect((await login(url, 'lena')).status).toBe(401);

    // Otto stays, and sees Lena's message kept under "Deleted user".
    await roundTrip(theirs);
    expect(theirs.connected).toBe(true);
    const history = await joinOk(theirs, 'lobby');
    const kept = history.history.find((m) => m.id === written.id);
    expect(kept?.text).toBe('hello from lena');
    expect(kept?.author).toEqual({ id: written.author.id, name: DELETED_USER_NAME });

    // The username and display name are free for a new account, which is someone else.
    const again = await apiRequest(url, 'POST', '/api/auth/signup', {
      username: 'lena',
      password: NEW_PASSWORD,
      displayName: 'Lena L',
    });
    expect(again.status).toBe(201);
    const user = (again.body as AuthResponse).user;
    expect(user.id).not.toBe(written.author.id);
    const after = await joinOk(theirs, 'lobby');
    expect(after.history.find((m) => m.id === written.id)?.author.name).toBe(DELETED_USER_NAME);
    // Nobody may take the name the deleted account's messages are shown under.
    const posing = await apiRequest(url, 'POST', '/api/auth/signup', {
      username: 'poser',
      password: NEW_PASSWORD,
      displayName: 'Deleted User',
    });
    expect([posing.status, codeOf(posing.body)]).toEqual([400, ErrorCode.INVALID_NAME]);
  });

  test('only one’s own account: a body naming another user changes nothing of theirs', async () => {
    const { url } = await startTestServer({ scryptCost: 10, guests: true });
    const lena = await signUp(url, 'lena');
    const otto = await signUp(url, 'otto');
    const lenaId = lena.user.id;
    // Otto gives Lena's password and names her: it is checked against his own account.
    const attempt = await remove(url, otto.cookie, {
      password: 'not otto’s',
      userId: lenaId,
      username: 'lena',
    });
    expect(attempt.status).toBe(401);
    // With his own password, his account goes, and Lena's stays whatever the body says.
    const own = await remove(url, otto.cookie, {
      password: TEST_PASSWORD,
      userId: lenaId,
      username: 'lena',
    });
    expect(own.status).toBe(204);
    expect((await login(url, 'lena')).status).toBe(200);
    expect((await login(url, 'otto')).status).toBe(401);
    expect(
      (await apiRequest(url, 'GET', '/api/auth/me', undefined, { cookie: lena.cookie })).status,
    ).toBe(200);

    const guest = await signInGuest(url, 'Visitor');
    const byGuest = await remove(url, guest.cookie, { password: TEST_PASSWORD });
    expect([byGuest.status, codeOf(byGuest.body)]).toEqual([403, ErrorCode.FORBIDDEN]);
    const anonymous = await remove(url, '', { password: TEST_PASSWORD });
    expect(anonymous.status).toBe(401);
    const crossSite = await remove(
      url,
      lena.cookie,
      { password: TEST_PASSWORD },
      'https://evil.example',
    );
    expect([crossSite.status, codeOf(crossSite.body)]).toEqual([403, ErrorCode.FORBIDDEN]);
    expect((await login(url, 'lena')).status).toBe(200);
  });

  test('wrong passwords count with the sign-in failures', async () => {
    const { url } = await startTestServer({ scryptCost: 10 });
    const lena = await signUp(url, 'lena');
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      statuses.push((await remove(url, lena.cookie, { password: `guess ${i}` })).status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    expect((await remove(url, lena.cookie, { password: TEST_PASSWORD })).status).toBe(429);
    expect(
      (await apiRequest(url, 'GET', '/api/auth/me', undefined, { cookie: lena.cookie })).status,
    ).toBe(200);
  });
});
