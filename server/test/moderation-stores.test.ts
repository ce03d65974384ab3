import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, onTestFinished, test } from 'vitest';
import {
  createPostgresModeration,
  moderationMigrations,
} from '../src/moderation/postgres-store.js';
import { createRedisModeration } from '../src/moderation/redis-store.js';
import { createSqliteModeration } from '../src/moderation/sqlite-store.js';
import {
  createMemoryModeration,
  REPORTS_MAX,
  type ModerationStore,
} from '../src/moderation/store.js';
import { migrate, openPostgres, type PostgresPool } from '../src/storage/postgres.js';
import { openDatabase } from '../src/storage/sqlite.js';
import { StoreUnavailableError } from '../src/storage/unavailable.js';
import { MINUTE, moderationStoreSuite, NOW } from './support/moderation-store-suite.js';
import { postgresForFile } from './support/postgres.js';
import { freePort, RedisProcess } from './support/redis.js';

const postgres = postgresForFile();
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

/** A pool of a fresh, migrated database (or of `url`'s), ended when the test ends. */
async function postgresPool(url?: string): Promise<PostgresPool> {
  const pool = openPostgres(url ?? (await postgres.database()));
  onTestFinished(() => pool.end());
  await migrate(pool, moderationMigrations);
  return pool;
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
  ['postgres', async () => createPostgresModeration(await postgresPool())],
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

describe('moderation store: postgres nodes', () => {
  /** Two nodes of one deployment: a store each, on pools of their own, over one database. */
  async function twoNodes(): Promise<[ModerationStore, ModerationStore]> {
    const url = await postgres.database();
    const [a, b] = await Promise.all([postgresPool(url), postgresPool(url)]);
    return [createPostgresModeration(a), createPostgresModeration(b)];
  }
  test("sanctions that ended by the database's clock are swept as others are set or lifted", async () => {
    const pool = await postgresPool();
    const store = createPostgresModeration(pool);
    const held = async () =>
      (
        await pool.query<{ user_id: string }>(
          'SELECT user_id FROM room_sanctions ORDER BY kind, user_id',
        )
      ).rows.map((r) => r.user_id);
    await store.ban('general', 'ann', { until: 1000, by: 'mod' });
    await store.mute('general', 'old', { until: 1000, by: 'mod' });
    await store.ban('general', 'bob', { until: NOW, by: 'mod' });
    await store.ban('dev', 'cid', { until: 1000, by: 'mod' });
    // Ann's ended ban went with Bob's; her mute and Cid's ban in another room stay.
    expect(await held()).toEqual(['bob', 'cid', 'old']);
    await store.unmute('general', 'nobody');
    expect(await held()).toEqual(['bob', 'cid']);
    // One that ended moments ago is within the grace and kept.
    await store.ban('dev', 'dan', { until: Date.now() - 1000, by: 'mod' });
    await store.unban('dev', 'cid');
    expect(await held()).toEqual(['bob', 'dan']);
  });

  test('a database that cannot be reached answers UNAVAILABLE', async () => {
    const pool = openPostgres(`postgres://chat@127.0.0.1:${await freePort()}/chat`, {
      connectTimeoutMs: 500,
    });
    onTestFinished(() => pool.end());
    const store = createPostgresModeration(pool);
    await expect(store.settings('general')).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(
      store.report('general', { id: 'r1', messageId: 'm1', by: 'ann', reason: 'x', at: NOW }),
    ).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  const rounds = Array.from({ length: 20 }, (_, i) => i);

  test('of two nodes creating one room at once, exactly one owns it', async () => {
    const [one, two] = await twoNodes();
    for (const i of rounds) {
      const room = `race-${i}`;
      const created = await Promise.all([
        one.create(room, { owner: 'ann', private: false, createdAt: NOW }),
        two.create(room, { owner: 'bob', private: true, createdAt: NOW + 1 }),
      ]);
      expect(created.filter(Boolean)).toHaveLength(1);
      const owner = created[0] ? 'ann' : 'bob';
      expect((await two.settings(room))?.owner).toBe(owner);
      expect((await one.settings(room))?.owner).toBe(owner);
    }
    expect((await one.rooms()).sort()).toEqual(rounds.map((i) => `race-${i}`).sort());
  });

  test('of two nodes resolving one report at once, one resolution is recorded and both see it', async () => {
    const [one, two] = await twoNodes();
    for (const i of rounds) {
      await one.report('general', {
        id: `r${i}`,
        messageId: `m${i}`,
        by: 'ann',
        reason: 'x',
        at: NOW,
      });
    }
    for (const i of rounds) {
      const [a, b] = await Promise.all([
        one.resolve('general', `r${i}`, 'mod-a', NOW + 1),
        two.resolve('general', `r${i}`, 'mod-b', NOW + 2),
      ]);
      expect(a?.resolved).toBeDefined();
      expect(b).toStrictEqual(a);
    }
    expect(await two.reports('general', true)).toEqual([]);
    const resolved = await one.reports('general', false);
    expect(resolved).toHaveLength(rounds.length);
    // Listed most recently resolved first, each once.
    expect(resolved.map((r) => r.id)).toEqual(rounds.map((i) => `r${i}`).reverse());
  });

  test('of two nodes filing one report at once, one is filed', async () => {
    const [one, two] = await twoNodes();
    for (const i of rounds) {
      const filing = { messageId: `m${i}`, by: 'ann', reason: 'x', at: NOW };
      const [a, b] = await Promise.all([
        one.report('general', { ...filing, id: `a${i}` }),
        two.report('general', { ...filing, id: `b${i}` }),
      ]);
      expect([a.created, b.created].filter(Boolean)).toHaveLength(1);
      expect(b.report).toStrictEqual(a.report);
    }
    expect(await one.reports('general', true)).toHaveLength(rounds.length);
  });
});
