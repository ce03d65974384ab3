// npm run migrate:from-redis: copies a Redis-backed deployment (REDIS_URL or
// REDIS_CLUSTER_NODES, with its REDIS_PREFIX) into the PostgreSQL database of DATABASE_URL,
// migrating that database's schema first. To move a deployment: stop the nodes (or drain
// them), run this, then start them with DATABASE_URL. Running it again adds nothing twice.
// See server/src/backends/migrate-from-redis.ts and the README.
import { Redis } from 'ioredis';
import { POSTGRES_MIGRATIONS } from '../server/src/backends/postgres.js';
import { clusterNodesOf, openRedisCluster } from '../server/src/backends/redis.js';
import { KINDS, migrateFromRedis } from '../server/src/backends/migrate-from-redis.js';
import { loadConfig } from '../server/src/config.js';
import { migrate, openPostgres } from '../server/src/storage/postgres.js';
import type { RedisClient } from '../server/src/storage/redis-client.js';

const config = loadConfig();
if (config.databaseUrl === undefined) {
  console.error('migrate:from-redis needs DATABASE_URL (the database to copy into)');
  process.exit(2);
}
let redis: RedisClient;
if (config.redisClusterNodes !== undefined) {
  redis = openRedisCluster(clusterNodesOf(config.redisClusterNodes), {
    offlineQueue: true,
    connectionName: 'chat-migrate',
  });
} else if (config.redisUrl !== undefined) {
  redis = new Redis(config.redisUrl, { connectionName: 'chat-migrate' });
} else {
  console.error(
    'migrate:from-redis needs REDIS_URL or REDIS_CLUSTER_NODES (the deployment to copy)',
  );
  process.exit(2);
}
const pool = openPostgres(config.databaseUrl, { max: 4 });
try {
  const applied = await migrate(pool, POSTGRES_MIGRATIONS);
  if (applied.length > 0) console.log(`schema migrated: ${applied.join(', ')}`);
  const counts = await migrateFromRedis(redis, pool, { prefix: config.redisPrefix });
  for (const kind of KINDS) {
    const { read, written } = counts[kind];
    console.log(`${kind}: ${read} read, ${written} written`);
  }
} finally {
  await pool.end();
  redis.disconnect();
}
