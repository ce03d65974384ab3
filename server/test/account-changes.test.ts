import { describe, expect, test } from 'vitest';
import { ErrorCode, type SessionEndedEvent } from '../../common/contract.js';
import { apiRequest, logIn, signInGuest, signUp, TEST_PASSWORD } from './support/accounts.js';
import { connect, roundTrip, waitFor } from './support/client.js';
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
