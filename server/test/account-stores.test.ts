import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, onTestFinished, test } from 'vitest';
import { memoryThrottle, redisThrottle } from '../src/limits/login-throttle.js';
import { createMemoryAccounts } from '../src/accounts/memory-store.js';
import { accountsMigrations, createPostgresAccounts } from '../src/accounts/postgres-store.js';
import { createRedisAccounts } from '../src/accounts/redis-store.js';
import { createSqliteAccounts } from '../src/accounts/sqlite-store.js';
import { migrate, openPostgres } from '../src/storage/postgres.js';
import { openDatabase } from '../src/storage/sqlite.js';
import { accountStoreSuite, throttleSuite } from './support/account-store-suite.js';
import { postgresForFile } from './support/postgres.js';
import { RedisProcess } from './support/redis.js';

const postgres = postgresForFile();

/** A clock that tests move by hand. */
function manualClock() {
  let now = 1_000_000;
  return { now: () => now, advance: (ms: number) => Promise.resolve(void (now += ms)) };
}

accountStoreSuite('memory', () => {
  const clock = manualClock();
  return Promise.resolve({ ...createMemoryAccounts(clock.now), advance: clock.advance });
});

accountStoreSuite('sqlite', () => {
  const clock = manualClock();
  const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'chat-accounts-')), 'chat.db'));
  onTestFinished(() => {
    db.close();
  });
  return Promise.resolve({ ...createSqliteAccounts(db, clock.now), advance: clock.advance });
});

const redis = new RedisProcess();
let prefixes = 0;
beforeAll(() => redis.start());
afterAll(() => redis.stop());

accountStoreSuite('redis', async () => {
  const clock = manualClock();
  const client = new Redis(redis.url);
  onTestFinished(() => {
    client.disconnect();
  });
  await client.ping();
  return { ...createRedisAccounts(client, `a${prefixes++}:`, clock.now), advance: clock.advance };
});

accountStoreSuite('postgres', async () => {
  const clock = manualClock();
  const pool = openPostgres(await postgres.database());
  onTestFinished(() => pool.end());
  await migrate(pool, accountsMigrations);
  return { ...createPostgresAccounts(pool, clock.now), advance: clock.advance };
});

throttleSuite('memory', () => Promise.resolve(memoryThrottle));

throttleSuite('redis', async () => {
  const client = new Redis(redis.url);
  onTestFinished(() => {
    client.disconnect();
  });
  await client.ping();
  return redisThrottle(client, `t${prefixes++}:`);
});

test('postgres: two nodes signing up names with one key at once make one account', async () => {
  const url = await postgres.database();
  const pools = [openPostgres(url), openPostgres(url)];
  onTestFinished(async () => {
    await Promise.all(pools.map((p) => p.end()));
  });
  const [first, second] = pools;
  if (!first || !second) throw new Error('no pool');
  await migrate(first, accountsMigrations);
  const nodes = [createPostgresAccounts(first).accounts, createPostgresAccounts(second).accounts];
  const made = await Promise.all(
    ['dave_x', 'dave-x', 'davex', 'dave_x'].map((username, i) => {
      const node = nodes[i % 2];
      if (!node) throw new Error('no node');
      return node.createUser({ username, name: `Dave ${i}`, passwordHash: 'h' });
    }),
  );
  expect(made.filter((a) => a !== undefined)).toHaveLength(1);
});
