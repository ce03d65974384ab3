import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, onTestFinished } from 'vitest';
import { redisThrottle } from '../src/limits/login-throttle.js';
import { createRedisAccounts } from '../src/accounts/redis-store.js';
import { createRedisConversations } from '../src/conversations/redis-store.js';
import { createRedisHistoryStore } from '../src/messages/redis-store.js';
import { createRedisModeration } from '../src/moderation/redis-store.js';
import { clusterNodesOf, openRedisCluster } from '../src/backends/redis.js';
import { redisUserLimits } from '../src/limits/user-limits.js';
import { adapterSuite } from './support/adapter-suite.js';
import { accountStoreSuite, throttleSuite } from './support/account-store-suite.js';
import { conversationStoreSuite } from './support/conversation-store-suite.js';
import { historyStoreSuite } from './support/history-store-suite.js';
import { moderationStoreSuite } from './support/moderation-store-suite.js';
import { RedisCluster } from './support/redis-cluster.js';
import { suiteOptions, userLimitsSuite } from './support/user-limits-suite.js';

// Every store suite and the adapter suite once more, on a real Redis Cluster of three
// primaries and three replicas: a command, MULTI or script whose keys span two slots fails
// here with CROSSSLOT, and a broadcast the cluster does not route is missed.
const cluster = new RedisCluster();
beforeAll(() => cluster.start(), 60_000);
afterAll(() => cluster.stop());

let prefixes = 0;
/** A cluster client as a node opens it, disconnected when the test ends. */
async function client(): Promise<Cluster> {
  const redis = openRedisCluster(clusterNodesOf(cluster.seeds), { offlineQueue: true });
  onTestFinished(() => {
    redis.disconnect();
  });
  await redis.ping();
  return redis;
}
/** A client kept for the whole file, for factories that cannot wait for a connection. */
let shared: Cluster;
beforeAll(async () => {
  shared = openRedisCluster(clusterNodesOf(cluster.seeds), { offlineQueue: true });
  await shared.ping();
});
afterAll(() => {
  shared.disconnect();
});

const clock = () => {
  let now = 1_000_000;
  return { now: () => now, advance: (ms: number) => Promise.resolve(void (now += ms)) };
};

historyStoreSuite(
  'redis cluster',
  async (options) =>
    createRedisHistoryStore(await client(), { ...options, prefix: `h${prefixes++}:` }),
  100,
);

accountStoreSuite('redis cluster', async () => {
  const c = clock();
  return { ...createRedisAccounts(await client(), `a${prefixes++}:`, c.now), advance: c.advance };
});

throttleSuite('redis cluster', async () => redisThrottle(await client(), `t${prefixes++}:`));

conversationStoreSuite('redis cluster', async () =>
  createRedisConversations(await client(), `c${prefixes++}:`),
);

moderationStoreSuite('redis cluster', async () =>
  createRedisModeration(await client(), `m${prefixes++}:`),
);

userLimitsSuite('redis cluster', (now) =>
  redisUserLimits(shared, `l${prefixes++}:`, suiteOptions(now)),
);

// The sharded adapter only: the classic one is refused on a cluster (see config.ts).
adapterSuite('redis cluster', () => ({ clusterNodes: cluster.seeds }), ['sharded']);
