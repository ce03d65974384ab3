import { afterAll, beforeAll, expect, test } from 'vitest';
import { ErrorCode, type PresenceEvent, type SessionEndedEvent } from '../../common/contract.js';
import { apiRequest, logIn, signUp } from './support/accounts.js';
import {
  collect,
  connect,
  joinOk,
  roundTrip,
  send,
  sendOk,
  waitFor,
  type ChatClient,
} from './support/client.js';
import { newDeployment, startNode, startNodes } from './support/cluster.js';
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

/** Resolves with the ms from `since` to the socket being told and disconnected. */
const endedWithin = (socket: ChatClient, since: () => number) =>
  Promise.all([
    waitFor<SessionEndedEvent>(socket, 'session:ended'),
    waitFor(socket, 'disconnect'),
  ]).then(([event]) => ({ reason: event.reason, ms: Date.now() - since() }));

test('sign-out on one node closes that session’s sockets on every node within a second', async () => {
  const [n1, n2, n3] = await startNodes(3, redis.url, { scryptCost: 10 });
  if (!n1 || !n2 || !n3) throw new Error('nodes did not start');
  const laptop = await signUp(n1.url, 'vera');
  const phone = await logIn(n2.url, 'vera');
  const sockets = await Promise.all(
    [n1, n2, n3].map((n) => connect(n.url, { session: laptop.token })),
  );
  const onPhone = await connect(n3.url, { session: phone.token });
  let at = 0;
  const closing = sockets.map((s) => endedWithin(s, () => at));
  at = Date.now();
  const res = await apiRequest(n2.url, 'POST', '/api/auth/logout', undefined, {
    cookie: laptop.cookie,
  });
  expect(res.status).toBe(204);
  const results = await Promise.all(closing);
  for (const r of results) {
    expect(r.reason).toBe('logout');
    expect(r.ms).toBeLessThan(1000);
  }
  console.info(`sign-out reached 3 nodes in ${Math.max(...results.map((r) => r.ms))} ms`);
  await roundTrip(onPhone);
  expect(onPhone.connected).toBe(true);

  // Sign-out everywhere, from the phone, closes the rest of the user's sessions everywhere.
  const again = await Promise.all([n1, n2].map((n) => connect(n.url, { session: phone.token })));
  const rest = [onPhone, ...again].map((s) => endedWithin(s, () => at));
  at = Date.now();
  await apiRequest(n1.url, 'POST', '/api/auth/logout-all', undefined, { cookie: phone.cookie });
  for (const r of await Promise.all(rest)) expect(r.ms).toBeLessThan(1000);
});

test('across nodes a user is one member: one join, a leave only when the last connection goes, renames everywhere', async () => {
  const [n1, n2] = await startNodes(2, redis.url, { scryptCost: 10 });
  if (!n1 || !n2) throw new Error('nodes did not start');
  const watcher = await connect(n1.url, { name: 'watcher' });
  await joinOk(watcher, 'general');
  const heard = collect<PresenceEvent>(watcher, 'presence');
  const wes = await signUp(n1.url, 'wes', 'Wes');
  const onN1 = await connect(n1.url, { session: wes.token });
  const onN2 = await connect(n2.url, { session: wes.token });
  await joinOk(onN1, 'general');
  const second = await joinOk(onN2, 'general');
  expect(second.members.filter((m) => m.id === wes.user.id)).toHaveLength(1);
  await roundTrip(watcher);
  expect(heard.map((e) => e.action)).toEqual(['join']);

  await apiRequest(n2.url, 'PATCH', '/api/auth/me', { name: 'Wesley' }, { cookie: wes.cookie });
  const renamed = await waitFor<PresenceEvent>(watcher, 'presence', (e) => e.action === 'rename');
  expect(renamed).toMatchObject({ member: { name: 'Wesley' }, previousName: 'Wes', count: 2 });
  // The node that did not handle the rename sends under the new name too.
  expect((await sendOk(onN1, 'general', 'renamed')).author.name).toBe('Wesley');

  onN1.disconnect();
  await joinOk(watcher, 'general');
  expect(heard.filter((e) => e.action === 'leave')).toEqual([]);
  const left = waitFor<PresenceEvent>(watcher, 'presence', (e) => e.action === 'leave');
  onN2.disconnect();
  expect(await left).toMatchObject({ member: { id: wes.user.id }, count: 1 });
});

test('a user’s message allowance is one across the nodes of a cluster', async () => {
  const now = Date.now();
  const deployment = newDeployment();
  // A clock that stands still: nothing refills, so the burst is all there is.
  const limits = { messageRatePerSec: 5, messageBurst: 4, floodStrikes: 1000 };
  const n1 = await startNode(redis.url, deployment, limits, { now: () => now });
  const n2 = await startNode(redis.url, deployment, limits, { now: () => now });
  const on1 = await connect(n1.url, { name: 'zed' });
  const on2 = await connect(n2.url, { name: 'zed' });
  await joinOk(on1, 'general');
  await joinOk(on2, 'general');
  const acks = [];
  for (const socket of [on1, on2, on1, on2, on1, on2])
    acks.push(await send(socket, 'general', 'x'));
  expect(acks.map((a) => (a.ok ? 'OK' : a.error.code))).toEqual([
    'OK',
    'OK',
    'OK',
    'OK',
    ErrorCode.RATE_LIMITED,
    ErrorCode.RATE_LIMITED,
  ]);
});
