import type { Invitation } from '../../../common/contract.js';
import type { RedisClient } from '../storage/redis-client.js';
import { redisCall } from '../storage/unavailable.js';
import { byAge, type MembershipStore } from './store.js';

/**
 * Users' rooms (a set) and pending invitations (a hash of JSON by room) in Redis. Each key
 * belongs to one user, so every call touches a single key (one slot on Redis Cluster).
 */
export function createRedisMemberships(redis: RedisClient, prefix: string): MembershipStore {
  const roomsKey = (userId: string) => `${prefix}user:{${userId}}:rooms`;
  const invitesKey = (userId: string) => `${prefix}user:{${userId}}:invitations`;
  return {
    add: (userId, room) => redisCall(async () => (await redis.sadd(roomsKey(userId), room)) > 0),
    remove: (userId, room) => redisCall(async () => (await redis.srem(roomsKey(userId), room)) > 0),
    roomsOf: (userId) => redisCall(async () => (await redis.smembers(roomsKey(userId))).sort()),
    invite: (userId, invitation) =>
      redisCall(async () => {
        await redis.hset(invitesKey(userId), invitation.room, JSON.stringify(invitation));
      }),
    dropInvitation: (userId, room) =>
      redisCall(async () => (await redis.hdel(invitesKey(userId), room)) > 0),
    invitationsOf: (userId) =>
      redisCall(async () =>
        Object.values(await redis.hgetall(invitesKey(userId)))
          .map((json) => JSON.parse(json) as Invitation)
          .sort(byAge),
      ),
  };
}
