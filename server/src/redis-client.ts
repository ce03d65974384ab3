import type { Cluster, Redis } from 'ioredis';

/**
 * What the Redis stores run on: one server (`Redis`) or a Redis Cluster (`Cluster`, which
 * routes each command to the primary of its key's slot). Keys that one command, MULTI or
 * script touches share a hash tag, so they sit in one slot either way.
 */
export type RedisClient = Redis | Cluster;
