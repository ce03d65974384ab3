import pg from 'pg';
import { pino } from 'pino';
import { expect, onTestFinished, test } from 'vitest';
import { ErrorCode } from '../../common/contract.js';
import { POSTGRES_MIGRATIONS } from '../src/backends/postgres.js';
import { createNode } from '../src/node.js';
import { signUp } from './support/accounts.js';
import { connect, joinOk, request, send, sendOk } from './support/client.js';
import { postgresForFile } from './support/postgres.js';
import { RedisProcess } from './support/redis.js';
import { startTestNode, testConfig } from './support/server.js';

const postgres = postgresForFile();

const readiness = async (url: string) => {
  const res = await fetch(`${url}/readyz`);
  return { status: res.status, body: (await res.json()) as { status: string; checks: object } };
};

test('a node on PostgreSQL keeps history, accounts and rooms across a restart', async () => {
  const databaseUrl = await postgres.database();
  const first = await startTestNode({ databaseUrl });
  const nina = await signUp(first.url, 'nina', 'Nina');
  const socket = await connect(first.url, { session: nina.token });
  await joinOk(socket, 'general');
  await joinOk(socket, 'knitting');
  const sent = [];
  for (const text of ['one', 'two', 'three']) sent.push(await sendOk(socket, 'general', text));
  await first.close();

  const second = await startTestNode({ databaseUrl });
  const back = await connect(second.url, { session: nina.token });
  const rejoined = await joinOk(back, 'general', sent[1]?.id);
  expect(rejoined.gap).toBe(false);
  expect(rejoined.history.map((m) => [m.text, m.author.id])).toEqual([['three', nina.user.id]]);
  const mine = await request(back, 'rooms:mine', {});
  if (!mine.ok) throw new Error(mine.error.message);
  expect([...mine.rooms].sort()).toEqual(['general', 'knitting']);
  expect((await readiness(second.url)).body).toEqual({
    status: 'ready',
    checks: { postgres: 'up' },
  });
});

test('three nodes starting together on an empty database migrate it once and share it', async () => {
  const databaseUrl = await postgres.database();
  const nodes = [0, 1, 2].map(() =>
    createNode(testConfig({ databaseUrl }), { logger: pino({ level: 'silent' }) }),
  );
  onTestFinished(async () => {
    await Promise.all(nodes.map((n) => n.close()));
  });
  const urls = (await Promise.all(nodes.map((n) => n.listen()))).map((l) => l.url);
  const check = new pg.Client(databaseUrl);
  await check.connect();
  onTestFinished(() => check.end());
  const applied = await check.query<{ id: string }>('SELECT id FROM schema_migrations ORDER BY id');
  expect(applied.rows.map((r) => r.id)).toEqual(POSTGRES_MIGRATIONS.map((m) => m.id).sort());

  // One record: what one node stores, another serves.
  const [a, b] = urls;
  const alice = await connect(a ?? '', { name: 'alice' });
  await joinOk(alice, 'shared');
  const stored = await sendOk(alice, 'shared', 'from node a');
  const bob = await connect(b ?? '', { name: 'bob' });
  expect((await joinOk(bob, 'shared')).history.map((m) => m.id)).toEqual([stored.id]);
});

test('PostgreSQL down: the node stays up and degraded, sends are refused UNAVAILABLE; back, they are stored', async () => {
  const databaseUrl = await postgres.database();
  const node = await startTestNode({ databaseUrl });
  const alice = await connect(node.url, { name: 'alice' });
  await joinOk(alice, 'general');
  await sendOk(alice, 'general', 'before');

  await postgres.server.stop('SIGKILL');
  try {
    const refused = await send(alice, 'general', 'during');
    expect(refused).toMatchObject({ ok: false, error: { code: ErrorCode.UNAVAILABLE } });
    // The probe notices within its interval; the node is not taken out of the balancer.
    await expect
      .poll(async () => (await readiness(node.url)).body, { timeout: 10_000 })
      .toEqual({ status: 'degraded', checks: { postgres: 'down' } });
    expect((await readiness(node.url)).status).toBe(200);
  } finally {
    await postgres.server.start();
  }

  await expect
    .poll(async () => (await readiness(node.url)).body.status, { timeout: 10_000 })
    .toBe('ready');
  const retried = await send(alice, 'general', 'during');
  expect(retried.ok).toBe(true);
  const bob = await connect(node.url, { name: 'bob' });
  expect((await joinOk(bob, 'general')).history.map((m) => m.text)).toEqual(['before', 'during']);
});

test('Redis down beside PostgreSQL: the record still reads, sends are refused UNAVAILABLE until Redis is back', async () => {
  const redis = new RedisProcess({ appendonly: true });
  await redis.start();
  onTestFinished(async () => {
    await redis.stop();
  });
  const databaseUrl = await postgres.database();
  const node = await startTestNode({ databaseUrl, redisUrl: redis.url });
  const alice = await connect(node.url, { name: 'alice' });
  await joinOk(alice, 'general');
  const first = await sendOk(alice, 'general', 'first');
  const before = await sendOk(alice, 'general', 'before');

  await redis.stop();
  await expect
    .poll(async () => (await readiness(node.url)).body, { timeout: 10_000 })
    .toEqual({ status: 'degraded', checks: { redis: 'down', postgres: 'up' } });
  // History comes from PostgreSQL; a send needs Redis for the user's allowance and the
  // broadcast, and is refused as retryable rather than stored unannounced.
  const fetched = await request(alice, 'history:fetch', { room: 'general', before: before.id });
  expect(fetched).toMatchObject({ ok: true });
  if (fetched.ok) expect(fetched.messages.map((m) => m.id)).toEqual([first.id]);
  const during = await send(alice, 'general', 'during');
  expect(during).toMatchObject({ ok: false, error: { code: ErrorCode.UNAVAILABLE } });

  await redis.start();
  await expect
    .poll(async () => (await readiness(node.url)).body.status, { timeout: 15_000 })
    .toBe('ready');
  const after = await send(alice, 'general', 'during');
  expect(after.ok).toBe(true);
  const bob = await connect(node.url, { name: 'bob' });
  expect((await joinOk(bob, 'general')).history.map((m) => m.text)).toEqual([
    'first',
    'before',
    'during',
  ]);
});
