import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { memoryUserLimits, redisUserLimits } from '../src/limits/user-limits.js';
import { newDeployment } from './support/cluster.js';
import { RedisProcess } from './support/redis.js';
import { suiteOptions, userLimitsSuite, type MakeUserLimits } from './support/user-limits-suite.js';

const redis = new RedisProcess();
let client: Redis;
beforeAll(async () => {
  await redis.start();
  client = new Redis(redis.url);
});
afterAll(async () => {
  client.disconnect();
  await redis.stop();
});

for (const [name, make] of [
  ['memory', (now) => memoryUserLimits(suiteOptions(now))],
  ['redis', (now) => redisUserLimits(client, newDeployment(), suiteOptions(now))],
] satisfies [string, MakeUserLimits][]) {
  userLimitsSuite(name, make);
}
