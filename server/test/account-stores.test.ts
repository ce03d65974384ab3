import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, onTestFinished } from 'vitest';
import { memoryThrottle, redisThrottle } from '../src/limits/login-throttle.js';
import { createMemoryAccounts } from '../src/accounts/memory-store.js';
import { createRedisAccounts } from '../src/accounts/redis-store.js';
import { createSqliteAccounts } from '../src/accounts/sqlite-store.js';
import { openDatabase } from '../src/storage/sqlite.js';
import { accountStoreSuite, throttleSuite } from './support/account-store-suite.js';
import { RedisProcess } from './support/redis.js';

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

throttleSuite('memory', () => Promise.resolve(memoryThrottle));

throttleSuite('redis', async () => {
  const client = new Redis(redis.url);
  onTestFinished(() => {
    client.disconnect();
  });
  await client.ping();
  return redisThrottle(client, `t${prefixes++}:`);
});
