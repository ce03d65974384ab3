import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, onTestFinished, test } from 'vitest';
import { createRedisConversations } from '../src/conversations/redis-store.js';
import { createSqliteConversations } from '../src/conversations/sqlite-store.js';
import {
  createMemoryConversations,
  directRoom,
  isDirect,
  type ConversationStore,
} from '../src/conversations/store.js';
import { openDatabase } from '../src/storage/sqlite.js';
import { conversationStoreSuite } from './support/conversation-store-suite.js';
import { RedisProcess } from './support/redis.js';

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
];

test('the same people always get the same conversation, whoever names them in whatever order', () => {
  const room = directRoom(['u1', 'u2', 'u3']);
  expect(directRoom(['u3', 'u1', 'u2', 'u1'])).toBe(room);
  expect(directRoom(['u1', 'u2'])).not.toBe(room);
  expect(isDirect(room)).toBe(true);
  expect(room).toMatch(/^dm-[0-9a-f]{32}$/);
});

for (const [name, create] of factories) conversationStoreSuite(name, create);
