import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { connect, joinOk, sendOk } from './support/client.js';
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
