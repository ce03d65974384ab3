import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, test } from 'vitest';
import { ErrorCode, type AuthResponse } from '../../common/contract.js';
import type { Config } from '../src/config.js';
import { startTestServer } from './support/server.js';

const FIFTEEN_MINUTES = 15 * 60_000;

/** A server with cheap password hashing and a clock the test moves. */
async function authServer(overrides: Partial<Config> = {}) {
  const clock = { now: 1_000_000_000_000 };
  const lines: string[] = [];
  const logs = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const { url } = await startTestServer(
    { scryptCost: 10, guests: true, ...overrides },
    { now: () => clock.now, logger: pino({ level: 'debug' }, logs) },
  );
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    const cookie = res.headers.get('set-cookie') ?? undefined;
    return {
      status: res.status,
      json: (text === '' ? undefined : JSON.parse(text)) as Record<string, unknown> | undefined,
      cookie,
      /** `chat_session=<token>`, as a browser would send it back. */
      session: cookie?.split(';')[0],
    };
  };
  return { url, clock, lines, call };
}

describe('signup and the session cookie', () => {
  test('creates the account, signs in, and GET /me answers with the user', async () => {
    const { call } = await authServer();
    const res = await call('POST', '/api/auth/signup', {
      username: 'Alice',
      password: 'correct horse',
      displayName: ' Alice Liddell ',
    });
    expect(res.status).toBe(201);
    const { user } = res.json as unknown as AuthResponse;
    expect(user).toEqual({ id: user.id, name: 'Alice Liddell', username: 'alice' });
    expect(res.cookie).toMatch(/^chat_session=[\w-]{43}; /);
    expect(res.cookie).toMatch(/HttpOnly/);
    expect(res.cookie).toMatch(/SameSite=Lax/);
    expect(res.cookie).toMatch(/Path=\//);
    expect(res.cookie).not.toMatch(/Secure/);
    const me = await call('GET', '/api/auth/me', undefined, { cookie: res.session ?? '' });
    expect(me.status).toBe(200);
    expect(me.json).toEqual({ user });
  });

  test('a username is unique without regard to case', async () => {
    const { call } = await authServer();
    await call('POST', '/api/auth/signup', { username: 'bob', password: 'password1' });
    const again = await call('POST', '/api/auth/signup', {
      username: 'BOB',
      password: 'password2',
    });
    expect(again.status).toBe(409);
    expect(again.json).toEqual({
      error: { code: ErrorCode.USERNAME_TAKEN, message: 'this username is taken' },
    });
  });

  test.each([
    [{ username: 'ab', password: 'password1' }, ErrorCode.BAD_REQUEST],
    [{ username: 'carol', password: 'short' }, ErrorCode.BAD_REQUEST],
    [{ username: 'carol', password: 'x'.repeat(129) }, ErrorCode.BAD_REQUEST],
    [{ username: 'carol', password: 'password1', displayName: '\u200b' }, ErrorCode.INVALID_NAME],
    [{ password: 'password1' }, ErrorCode.BAD_REQUEST],
    ['not an object', ErrorCode.BAD_REQUEST],
  ])('refuses %j with %s', async (body, code) => {
    const { call } = await authServer();
    const res = await call('POST', '/api/auth/signup', body);
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error: { code } });
    expect(res.cookie).toBeUndefined();
  });

  test('one address makes at most SIGNUPS_PER_HOUR_PER_ADDRESS accounts an hour', async () => {
    const { call, clock } = await authServer({ signupsPerHourPerAddress: 2 });
    const signup = (username: string) =>
      call('POST', '/api/auth/signup', { username, password: 'correct horse' });
    expect((await signup('amy')).status).toBe(201);
    expect((await signup('ben')).status).toBe(201);
    const refused = await signup('cal');
    expect(refused.status).toBe(429);
    expect(refused.json).toMatchObject({ error: { code: ErrorCode.RATE_LIMITED } });
    expect(refused.cookie).toBeUndefined();
    // Nothing was made: the name is still free and cal cannot sign in.
    const login = await call('POST', '/api/auth/login', {
      username: 'cal',
      password: 'correct horse',
    });
    expect(login.status).toBe(401);
    // A malformed sign-up spends nothing.
    expect((await call('POST', '/api/auth/signup', { username: 'x' })).status).toBe(400);
    clock.now += 30 * 60_000; // half an hour: one sign-up back
    expect((await signup('cal')).status).toBe(201);
    expect((await signup('dan')).status).toBe(429);
  });

  test('malformed JSON is a 400 in the API shape, without a stack', async () => {
    const { url } = await authServer();
    const res = await fetch(`${url}/api/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"username": ',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: ErrorCode.BAD_REQUEST } });
  });
});

describe('login', () => {
  test('a wrong password and an unknown user get the same answer; the right one signs in', async () => {
    const { call } = await authServer();
    await call('POST', '/api/auth/signup', { username: 'dave', password: 'open sesame' });
    const wrong = await call('POST', '/api/auth/login', {
      username: 'dave',
      password: 'nope nope',
    });
    const unknown = await call('POST', '/api/auth/login', { username: 'nobody', password: 'x' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.json).toEqual(unknown.json);
    expect(wrong.cookie).toBeUndefined();
    const right = await call('POST', '/api/auth/login', {
      username: 'DAVE',
      password: 'open sesame',
    });
    expect(right.status).toBe(200);
    expect(right.json).toMatchObject({ user: { username: 'dave' } });
    expect(right.session).toMatch(/^chat_session=/);
  });

  test('five failures lock a username for fifteen minutes, even against the right password', async () => {
    const { call, clock } = await authServer();
    await call('POST', '/api/auth/signup', { username: 'erin', password: 'the password' });
    for (let i = 0; i < 5; i++) {
      expect(
        (await call('POST', '/api/auth/login', { username: 'erin', password: 'guess' })).status,
      ).toBe(401);
    }
    const locked = await call('POST', '/api/auth/login', {
      username: 'erin',
      password: 'the password',
    });
    expect(locked.status).toBe(429);
    expect(locked.json).toMatchObject({ error: { code: ErrorCode.RATE_LIMITED } });
    clock.now += FIFTEEN_MINUTES;
    expect(
      (await call('POST', '/api/auth/login', { username: 'erin', password: 'the password' }))
        .status,
    ).toBe(200);
  });

  test('twenty failures from one address lock that address for every username', async () => {
    const { call } = await authServer();
    await call('POST', '/api/auth/signup', { username: 'fred', password: 'the password' });
    for (let i = 0; i < 20; i++) {
      await call('POST', '/api/auth/login', { username: `user${i}`, password: 'guess' });
    }
    const locked = await call('POST', '/api/auth/login', {
      username: 'fred',
      password: 'the password',
    });
    expect(locked.status).toBe(429);
  });

  test('passwords never reach the log', async () => {
    const { call, lines } = await authServer();
    await call('POST', '/api/auth/signup', { username: 'gina', password: 'hunter2-secret' });
    await call('POST', '/api/auth/login', { username: 'gina', password: 'hunter2-secret' });
    await call('POST', '/api/auth/login', { username: 'gina', password: 'hunter3-secret' });
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('\n')).not.toMatch(/hunter\d-secret/);
  });
});

describe('sessions end', () => {
  test('logout ends this session only; logout-all ends every session of the user', async () => {
    const { call } = await authServer();
    const first = await call('POST', '/api/auth/signup', {
      username: 'hana',
      password: 'password1',
    });
    const second = await call('POST', '/api/auth/login', {
      username: 'hana',
      password: 'password1',
    });
    const third = await call('POST', '/api/auth/login', {
      username: 'hana',
      password: 'password1',
    });
    const other = await call('POST', '/api/auth/signup', {
      username: 'ivan',
      password: 'password1',
    });
    const me = (r: { session: string | undefined }) =>
      call('GET', '/api/auth/me', undefined, { cookie: r.session ?? '' }).then((m) => m.status);

    const out = await call('POST', '/api/auth/logout', undefined, { cookie: first.session ?? '' });
    expect(out.status).toBe(204);
    expect(out.cookie).toMatch(/^chat_session=;/);
    expect(await me(first)).toBe(401);
    expect(await me(second)).toBe(200);

    const all = await call('POST', '/api/auth/logout-all', undefined, {
      cookie: second.session ?? '',
    });
    expect(all.status).toBe(204);
    expect(await me(second)).toBe(401);
    expect(await me(third)).toBe(401);
    expect(await me(other)).toBe(200);
    expect((await call('POST', '/api/auth/logout-all')).status).toBe(401);
  });

  test('a session unused for SESSION_TTL_MS expires; one in use does not', async () => {
    const { call, clock } = await authServer({ sessionTtlMs: 60_000 });
    const idle = await call('POST', '/api/auth/signup', {
      username: 'jack',
      password: 'password1',
    });
    const busy = await call('POST', '/api/auth/login', { username: 'jack', password: 'password1' });
    const me = (r: { session: string | undefined }) =>
      call('GET', '/api/auth/me', undefined, { cookie: r.session ?? '' }).then((m) => m.status);
    for (let i = 0; i < 3; i++) {
      clock.now += 40_000;
      expect(await me(busy)).toBe(200);
    }
    expect(await me(idle)).toBe(401);
  });
});

describe('guests', () => {
  test('are refused unless GUESTS=true', async () => {
    const { call } = await authServer({ guests: false });
    const res = await call('POST', '/api/auth/guest', { name: 'Visitor' });
    expect(res.status).toBe(403);
    expect(res.json).toMatchObject({ error: { code: ErrorCode.FORBIDDEN } });
  });

  test('get a session under a name of their own', async () => {
    const { call } = await authServer();
    const res = await call('POST', '/api/auth/guest', { name: 'Visitor' });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ user: { name: 'Visitor', guest: true } });
    expect((res.json as unknown as AuthResponse).user.username).toBeUndefined();
    const me = await call('GET', '/api/auth/me', undefined, { cookie: res.session ?? '' });
    expect(me.json).toEqual(res.json);
  });

  test.each(['kate', 'KATE', 'Kate Smith', 'K a t e  S m i t h', 'Kаte Smith', 'kate_s'])(
    'may not take %j, which is or looks like a registered name',
    async (name) => {
      const { call } = await authServer();
      await call('POST', '/api/auth/signup', {
        username: 'kate_s',
        password: 'password1',
        displayName: 'Kate Smith',
      });
      await call('POST', '/api/auth/signup', { username: 'kate', password: 'password1' });
      const res = await call('POST', '/api/auth/guest', { name });
      expect(res.status).toBe(409);
      expect(res.json).toMatchObject({ error: { code: ErrorCode.NAME_TAKEN } });
    },
  );

  test.each(['\u200b', ' ', 'A\u200dB', ''])('may not use the invisible name %j', async (name) => {
    const { call } = await authServer();
    const res = await call('POST', '/api/auth/guest', { name });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error: { code: ErrorCode.INVALID_NAME } });
  });
});

describe('origins and proxies', () => {
  test('a page of another origin cannot sign in; the server’s own origin can', async () => {
    const { call, url } = await authServer();
    await call('POST', '/api/auth/signup', { username: 'liam', password: 'password1' });
    const creds = { username: 'liam', password: 'password1' };
    const evil = await call('POST', '/api/auth/login', creds, {
      origin: 'http://evil.example',
      host: 'evil.example',
    });
    expect(evil.status).toBe(403);
    expect(evil.json).toMatchObject({ error: { code: ErrorCode.FORBIDDEN } });
    expect(evil.cookie).toBeUndefined();
    const own = await call('POST', '/api/auth/login', creds, { origin: url });
    expect(own.status).toBe(200);
  });

  test('PUBLIC_ORIGIN replaces the server’s own origins', async () => {
    const { call, url } = await authServer({ publicOrigin: 'https://chat.example' });
    const body = { username: 'mia', password: 'password1' };
    expect((await call('POST', '/api/auth/signup', body, { origin: url })).status).toBe(403);
    const ok = await call('POST', '/api/auth/signup', body, { origin: 'https://chat.example' });
    expect(ok.status).toBe(201);
  });

  test('the cookie is Secure behind a trusted TLS proxy, and X-Forwarded-Proto counts only from it', async () => {
    const trusted = await authServer({ trustProxy: 'loopback' });
    const behindTls = await trusted.call(
      'POST',
      '/api/auth/signup',
      { username: 'noah', password: 'password1' },
      { 'x-forwarded-proto': 'https' },
    );
    expect(behindTls.cookie).toMatch(/; Secure/);
    const untrusted = await authServer();
    const spoofed = await untrusted.call(
      'POST',
      '/api/auth/signup',
      { username: 'noah', password: 'password1' },
      { 'x-forwarded-proto': 'https' },
    );
    expect(spoofed.status).toBe(201);
    expect(spoofed.cookie).not.toMatch(/Secure/);
  });
});
