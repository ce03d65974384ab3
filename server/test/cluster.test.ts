import { afterAll, beforeAll } from 'vitest';
import { adapterSuite } from './support/adapter-suite.js';
import { RedisProcess } from './support/redis.js';

const redis = new RedisProcess();
beforeAll(() => redis.start());
afterAll(async () => {
  await redis.stop();
});

adapterSuite('redis-server', () => redis.url, ['classic', 'sharded']);
