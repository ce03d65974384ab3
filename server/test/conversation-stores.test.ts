import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, onTestFinished, test } from 'vitest';
import {
  conversationsMigrations,
  createPostgresConversations,
} from '../src/conversations/postgres-store.js';
import { createRedisConversations } from '../src/conversations/redis-store.js';
import { createSqliteConversations } from '../src/conversations/sqlite-store.js';
import {
  createMemoryConversations,
  directRoom,
  isDirect,
  laterPosition,
  type ConversationStore,
} from '../src/conversations/store.js';
import { migrate, openPostgres } from '../src/storage/postgres.js';
import { openDatabase } from '../src/storage/sqlite.js';
import { conversationStoreSuite } from './support/conversation-store-suite.js';
import { postgresForFile } from './support/postgres.js';
import { RedisProcess } from './support/redis.js';

const postgres = postgresForFile();

const redis = new RedisProcess();
let prefixes = 0;
beforeAll(() => redis.start());
afterAll(() => redis.stop());

const factories: [string, () => Promise<ConversationStore>][] = [
  ['memory', () => Promise.resolve(createMemoryConversations())],
  [
    'sqlite',
    () => {
      const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'chat-dm-')), 'chat.db'));
      onTestFinished(() => {
        db.close();
      });
      return Promise.resolve(createSqliteConversations(db));
    },
  ],
  [
    'redis',
    async () => {
      const client = new Redis(redis.url);
      onTestFinished(() => {
        client.disconnect();
      });
      await client.ping();
      return createRedisConversations(client, `c${prefixes++}:`);
    },
  ],
  [
    'postgres',
    async () => {
      const pool = openPostgres(await postgres.database());
      onTestFinished(() => pool.end());
      await migrate(pool, conversationsMigrations);
      return createPostgresConversations(pool);
    },
  ],
];

test('the same people always get the same conversation, whoever names them in whatever order', () => {
  const room = directRoom(['u1', 'u2', 'u3']);
  expect(directRoom(['u3', 'u1', 'u2', 'u1'])).toBe(room);
  expect(directRoom(['u1', 'u2'])).not.toBe(room);
  expect(isDirect(room)).toBe(true);
  expect(room).toMatch(/^dm-[0-9a-f]{32}$/);
});

for (const [name, create] of factories) conversationStoreSuite(name, create);

test('postgres: two nodes marking at once never move a marker back', async () => {
  const url = await postgres.database();
  const pools = [openPostgres(url), openPostgres(url)];
  onTestFinished(async () => {
    await Promise.all(pools.map((p) => p.end()));
  });
  const [first, second] = pools;
  if (!first || !second) throw new Error('no pool');
  await migrate(first, conversationsMigrations);
  const one = createPostgresConversations(first);
  const two = createPostgresConversations(second);
  const nodes = [one, two];
  // Each node marks half of the positions, in an order that moves up and down.
  const positions = Array.from({ length: 60 }, (_, i) => `${1000 + ((i * 37) % 60)}-${i % 3}`);
  const answers = await Promise.all(
    positions.map((position, i) => {
      const node = nodes[i % 2];
      if (!node) throw new Error('no node');
      return node.markRead('u1', 'general', position);
    }),
  );
  const latest = positions.reduce((a, b) => laterPosition(a, b));
  expect((await one.readMarks('u1')).get('general')).toBe(latest);
  // Every answer is the marker as it was after that write: never behind what it asked for.
  for (const [i, answer] of answers.entries()) {
    expect(laterPosition(answer, positions[i] ?? '')).toBe(answer);
  }
  // Two nodes opening one conversation at once with different people: one list wins whole.
  const room = directRoom(['p', 'q']);
  await Promise.all([one.open(room, ['p', 'q']), two.open(room, ['p', 'q', 'r'])]);
  const listed = await two.participants(room);
  const others = await Promise.all(['p', 'q', 'r'].map((id) => one.conversationsOf(id)));
  expect(others.flat().filter((r) => r === room)).toHaveLength(listed?.length ?? -1);
});
