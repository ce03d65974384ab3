import type { Cluster, Redis } from 'ioredis';

/**
 * What the Redis stores run on: one server (`Redis`) or a Redis Cluster (`Cluster`, which
 * routes each command to the primary of its key's slot). Keys that one command, MULTI or
 * script touches share a hash tag, so they sit in one slot either way.
 */
export type RedisClient = Redis | Cluster;

/**
 * Makes a Redis Cluster client fetch the slot map again (a no-op on one server). ioredis
 * follows a MOVED by itself for single commands, but not in a pipeline that mixes a write
 * with commands of no key (WAIT, ROLE): there the MOVED reaches the caller, and the map
 * stays stale until refreshed.
 */
export function refreshSlots(client: RedisClient): Promise<void> {
  if (!('refreshSlotsCache' in client)) return Promise.resolve();
  return new Promise((resolve) => {
    // An error here (no node reachable) leaves the map as it was; the next call tries again.
    client.refreshSlotsCache(() => {
      resolve();
    });
  });
}
