import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, onTestFinished, test } from 'vitest';
import { createRedisConversations } from '../src/conversations/redis-store.js';
import { createSqliteConversations } from '../src/conversations/sqlite-store.js';
import {
  createMemoryConversations,
  directRoom,
  isDirect,
  type ConversationStore,
} from '../src/conversations/store.js';
import { openDatabase } from '../src/storage/sqlite.js';
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

describe.each(factories)('conversation store: %s', (_name, create) => {
  test('a conversation keeps its participants; opening it again changes nothing', async () => {
    const store = await create();
    const room = directRoom(['a', 'b']);
    expect(await store.participants(room)).toBeUndefined();
    await store.open(room, ['a', 'b']);
    await store.open(room, ['a', 'b', 'intruder']);
    expect(await store.participants(room)).toEqual(['a', 'b']);
    const other = directRoom(['a', 'c']);
    await store.open(other, ['a', 'c']);
    expect((await store.conversationsOf('a')).sort()).toEqual([room, other].sort());
    expect(await store.conversationsOf('b')).toEqual([room]);
    expect(await store.conversationsOf('nobody')).toEqual([]);
  });

  test('a read marker only moves forward, per user and room', async () => {
    const store = await create();
    expect(await store.markRead('a', 'general', '100-5')).toBe('100-5');
    expect(await store.markRead('a', 'general', '100-4')).toBe('100-5');
    expect(await store.markRead('a', 'general', '99-9')).toBe('100-5');
    expect(await store.markRead('a', 'general', '101-0')).toBe('101-0');
    await store.markRead('a', 'dev', '5-0');
    await store.markRead('b', 'general', '1-0');
    expect(await store.readMarks('a')).toEqual(
      new Map([
        ['general', '101-0'],
        ['dev', '5-0'],
      ]),
    );
    expect(await store.readMarks('c')).toEqual(new Map());
  });
});
