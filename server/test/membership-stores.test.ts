import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, onTestFinished } from 'vitest';
import { createPostgresMemberships, roomsMigrations } from '../src/rooms/postgres-store.js';
import { createRedisMemberships } from '../src/rooms/redis-store.js';
import { createSqliteMemberships } from '../src/rooms/sqlite-store.js';
import { createMemoryMemberships, type MembershipStore } from '../src/rooms/store.js';
import { migrate, openPostgres } from '../src/storage/postgres.js';
import { openDatabase } from '../src/storage/sqlite.js';
import { membershipStoreSuite } from './support/membership-store-suite.js';
import { postgresForFile } from './support/postgres.js';
import { RedisProcess } from './support/redis.js';

const postgres = postgresForFile();

const redis = new RedisProcess();
let prefixes = 0;
beforeAll(() => redis.start());
afterAll(() => redis.stop());

const factories: [string, () => Promise<MembershipStore>][] = [
  ['memory', () => Promise.resolve(createMemoryMemberships())],
  [
    'sqlite',
    () => {
      const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'chat-mine-')), 'chat.db'));
      onTestFinished(() => {
        db.close();
      });
      return Promise.resolve(createSqliteMemberships(db));
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
      return createRedisMemberships(client, `m${prefixes++}:`);
    },
  ],
  [
    'postgres',
    async () => {
      const pool = openPostgres(await postgres.database());
      onTestFinished(() => pool.end());
      await migrate(pool, roomsMigrations);
      return createPostgresMemberships(pool);
    },
  ],
];

for (const [name, create] of factories) membershipStoreSuite(name, create);
