import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, onTestFinished, test } from 'vitest';
import { createRedisModeration } from '../src/moderation/redis-store.js';
import { createSqliteModeration } from '../src/moderation/sqlite-store.js';
import {
  createMemoryModeration,
  REPORTS_MAX,
  type ModerationStore,
} from '../src/moderation/store.js';
import { openDatabase } from '../src/storage/sqlite.js';
import { MINUTE, moderationStoreSuite, NOW } from './support/moderation-store-suite.js';
import { RedisProcess } from './support/redis.js';

const redis = new RedisProcess();
let prefixes = 0;
beforeAll(() => redis.start());
afterAll(() => redis.stop());

/** A client of the test's Redis, disconnected when the test ends. */
async function redisClient(): Promise<Redis> {
  const client = new Redis(redis.url);
  onTestFinished(() => {
    client.disconnect();
  });
  await client.ping();
  return client;
}

const factories: [string, () => Promise<ModerationStore>][] = [
  ['memory', () => Promise.resolve(createMemoryModeration())],
  [
    'sqlite',
    () => {
      const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'chat-moderation-')), 'chat.db'));
      onTestFinished(() => {
        db.close();
      });
      return Promise.resolve(createSqliteModeration(db));
    },
  ],
  ['redis', async () => createRedisModeration(await redisClient(), `m${prefixes++}:`)],
];

/** Bans and mutes behave alike: each kind through the same three calls. */
for (const [name, create] of factories) moderationStoreSuite(name, create);

describe('moderation store: redis keys', () => {
  test("sanctions that ended by Redis's clock go away by themselves", async () => {
    const client = await redisClient();
    const prefix = `m${prefixes++}:`;
    const store = createRedisModeration(client, prefix);
    const bans = `${prefix}{general}:bans`;
    // Ended long ago: swept at once, and the hash with it.
    await store.ban('general', 'ann', { until: 1000, by: 'mod' });
    expect(await client.exists(bans)).toBe(0);
    // The hash expires soon after its last sanction ends...
    await store.ban('general', 'bob', { until: NOW, by: 'mod' });
    await store.ban('general', 'cid', { until: NOW + MINUTE, by: 'mod' });
    const expiry = await client.pexpiretime(bans);
    expect(expiry).toBeGreaterThanOrEqual(NOW + MINUTE);
    expect(expiry).toBeLessThan(NOW + 60 * MINUTE);
    // ...never while one lasts until lifted, and again once it is lifted.
    await store.ban('general', 'dan', { until: null, by: 'mod' });
    expect(await client.pexpiretime(bans)).toBe(-1);
    await store.unban('general', 'dan');
    expect(await client.pexpiretime(bans)).toBe(expiry);
    expect(await client.hkeys(bans)).toEqual(['bob', 'cid']);
  });

  test('a report with a lone surrogate in its texts is forgotten like any other', async () => {
    const store = createRedisModeration(await redisClient(), `m${prefixes++}:`);
    const odd = 'lone \ud83d';
    const quote = { author: { id: 'u1', name: odd }, text: odd };
    await store.report('general', {
      id: 'r0',
      messageId: 'm0',
      by: 'ann',
      reason: odd,
      at: NOW,
      quote,
    });
    // Forgetting the oldest open report reads it in the script, which must not fail on it.
    for (let n = 1; n <= REPORTS_MAX; n++) {
      await store.report('general', {
        id: `r${n}`,
        messageId: `m${n}`,
        by: 'ann',
        reason: 'x',
        at: NOW,
      });
    }
    const open = await store.reports('general', true);
    expect(open).toHaveLength(REPORTS_MAX);
    expect(open.at(-1)?.id).toBe('r1');
  });
});
