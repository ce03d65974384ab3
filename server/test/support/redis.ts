import { Redis } from 'ioredis';

export { freePort, RedisProcess } from '../../../scripts/lib/processes.js';

/** How many streams the Redis at `url` holds: the Redis history store keeps one per room. */
export async function streamsIn(url: string): Promise<number> {
  const redis = new Redis(url);
  try {
    const keys = await redis.keys('*');
    const types = await Promise.all(keys.map((k) => redis.type(k)));
    return types.filter((t) => t === 'stream').length;
  } finally {
    redis.disconnect();
  }
}
