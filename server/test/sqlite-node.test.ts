import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { apiRequest, logIn, signUp } from './support/accounts.js';
import { connect, joinOk, request, sendOk } from './support/client.js';
import { startTestNode } from './support/server.js';

test('a single node on SQLite keeps history across a restart: rejoining with since finds no gap', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'chat-node-'));
  const first = await startTestNode({ store: 'sqlite', dataDir });
  const alice = await connect(first.url, { name: 'alice' });
  await joinOk(alice, 'general');
  const sent = [];
  for (const text of ['one', 'two', 'three']) sent.push(await sendOk(alice, 'general', text));
  await first.close();
  expect(existsSync(join(dataDir, 'chat.db'))).toBe(true);

  const second = await startTestNode({ store: 'sqlite', dataDir });
  const back = await connect(second.url, { name: 'alice' });
  const rejoined = await joinOk(back, 'general', sent[1]?.id);
  expect(rejoined.gap).toBe(false);
  expect(rejoined.history.map((m) => m.text)).toEqual(['three']);
  const bob = await connect(second.url, { name: 'bob' });
  expect((await joinOk(bob, 'general')).history).toEqual(sent);
  const list = await joinOk(bob, 'general');
  expect(list.hasMore).toBe(false);
});

test('accounts and sessions survive a restart on SQLite: the same session connects as the same user', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'chat-node-'));
  const first = await startTestNode({ store: 'sqlite', dataDir });
  const nina = await signUp(first.url, 'nina', 'Nina');
  const socket = await connect(first.url, { session: nina.token });
  const before = await joinOk(socket, 'general');
  await sendOk(socket, 'general', 'mine');
  await first.close();

  const second = await startTestNode({ store: 'sqlite', dataDir });
  const me = await apiRequest(second.url, 'GET', '/api/auth/me', undefined, {
    cookie: nina.cookie,
  });
  expect(me).toMatchObject({ status: 200, body: { user: { id: nina.user.id, name: 'Nina' } } });
  const back = await connect(second.url, { session: nina.token });
  const after = await joinOk(back, 'general');
  expect(after.self).toEqual(before.self);
  // Her message is still hers, by id.
  expect(after.history.map((m) => [m.text, m.author.id])).toEqual([['mine', nina.user.id]]);
  // And the password still works; the username is still taken.
  expect((await logIn(second.url, 'nina')).user.id).toBe(nina.user.id);
  const again = await apiRequest(second.url, 'POST', '/api/auth/signup', {
    username: 'NINA',
    password: 'whatever123',
  });
  expect(again.status).toBe(409);
});

test('rooms created on SQLite stay in the directory across a restart, with no message in them', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'chat-node-'));
  const first = await startTestNode({ store: 'sqlite', dataDir });
  const alice = await connect(first.url, { name: 'alice' });
  const created = await request(alice, 'room:create', { room: 'quiet-corner', topic: 'hush' });
  expect(created).toMatchObject({ ok: true });
  // Opened by joining, then left: it has an owner but nothing else.
  await joinOk(alice, 'opened-by-join');
  expect(await request(alice, 'room:leave', { room: 'opened-by-join' })).toMatchObject({
    ok: true,
  });
  await first.close();

  const second = await startTestNode({ store: 'sqlite', dataDir });
  const bob = await connect(second.url, { name: 'bob' });
  const listed = await request(bob, 'rooms:list', {});
  if (!listed.ok) throw new Error(listed.error.message);
  expect(listed.rooms).toEqual(
    expect.arrayContaining([
      { name: 'quiet-corner', members: 0 },
      { name: 'opened-by-join', members: 0 },
    ]),
  );
  expect((await joinOk(bob, 'quiet-corner')).info).toMatchObject({ topic: 'hush' });
});

test("a user's rooms stay theirs across a restart on SQLite", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'chat-node-'));
  const first = await startTestNode({ store: 'sqlite', dataDir });
  const nina = await signUp(first.url, 'nina', 'Nina');
  const socket = await connect(first.url, { session: nina.token });
  await joinOk(socket, 'general');
  await joinOk(socket, 'knitting');
  await first.close();

  const second = await startTestNode({ store: 'sqlite', dataDir });
  const back = await connect(second.url, { session: nina.token });
  const mine = await request(back, 'rooms:mine', {});
  if (!mine.ok) throw new Error(mine.error.message);
  expect([...mine.rooms].sort()).toEqual(['general', 'knitting']);
});

test('/metrics exports the size of the SQLite database, which grows with what is stored', async () => {
  const node = await startTestNode({
    store: 'sqlite',
    dataDir: mkdtempSync(join(tmpdir(), 'db-')),
    messageRatePerSec: 1000,
    messageBurst: 1000,
    eventRatePerSec: 1000,
  });
  const bytes = async () => {
    const text = await (await fetch(`${node.metricsUrl}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith('chat_database_bytes '));
    return Number(line?.split(' ')[1]);
  };
  const empty = await bytes();
  expect(empty).toBeGreaterThan(0);
  const alice = await connect(node.url, { name: 'alice' });
  await joinOk(alice, 'general');
  for (let i = 0; i < 50; i++) await sendOk(alice, 'general', `${i} ${'x'.repeat(1000)}`);
  expect(await bytes()).toBeGreaterThan(empty + 50_000);
});
