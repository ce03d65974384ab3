import { afterAll, beforeAll, expect, test } from 'vitest';
import { ErrorCode } from '../../common/contract.js';
import { startNodes } from './support/cluster.js';
import { RedisProcess } from './support/redis.js';

const redis = new RedisProcess();
beforeAll(() => redis.start());
afterAll(() => redis.stop());

const post = (url: string, path: string, body: unknown, cookie?: string) =>
  fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: JSON.stringify(body),
  });

test('an account made on one node signs in on another, and the session works on a third', async () => {
  const [n1, n2, n3] = await startNodes(3, redis.url, { scryptCost: 10 });
  if (!n1 || !n2 || !n3) throw new Error('nodes did not start');
  const signup = await post(n1.url, '/api/auth/signup', {
    username: 'olga',
    password: 'password1',
  });
  expect(signup.status).toBe(201);
  const login = await post(n2.url, '/api/auth/login', { username: 'olga', password: 'password1' });
  expect(login.status).toBe(200);
  const cookie = login.headers.get('set-cookie')?.split(';')[0] ?? '';
  const me = await fetch(`${n3.url}/api/auth/me`, { headers: { cookie } });
  expect(await me.json()).toMatchObject({ user: { username: 'olga' } });
  // Signing out on one node ends the session everywhere.
  expect((await post(n1.url, '/api/auth/logout', {}, cookie)).status).toBe(204);
  expect((await fetch(`${n2.url}/api/auth/me`, { headers: { cookie } })).status).toBe(401);
});

test('failed sign-ins count once for the whole cluster', async () => {
  const [n1, n2] = await startNodes(2, redis.url, { scryptCost: 10 });
  if (!n1 || !n2) throw new Error('nodes did not start');
  await post(n1.url, '/api/auth/signup', { username: 'pete', password: 'password1' });
  for (let i = 0; i < 5; i++) {
    const node = i % 2 === 0 ? n1 : n2;
    const res = await post(node.url, '/api/auth/login', { username: 'pete', password: 'guess' });
    expect(res.status).toBe(401);
  }
  const locked = await post(n2.url, '/api/auth/login', { username: 'pete', password: 'password1' });
  expect(locked.status).toBe(429);
  expect(await locked.json()).toMatchObject({ error: { code: ErrorCode.RATE_LIMITED } });
});
