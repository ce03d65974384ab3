import type { Invitation } from '../../../common/contract.js';
import type { RedisClient } from '../storage/redis-client.js';
import { decodeText, encodeText } from '../storage/text-codec.js';
import { redisCall } from '../storage/unavailable.js';
import { byAge, type MembershipStore } from './store.js';

/**
 * Users' rooms (a set) and pending invitations (a hash of JSON by room) in Redis. Each key
 * belongs to one user, so every call touches a single key (one slot on Redis Cluster). Room
 * names go through the text codec: Redis holds UTF-8, where a lone surrogate turns into U+FFFD.
 */
export function createRedisMemberships(redis: RedisClient, prefix: string): MembershipStore {
  const roomsKey = (userId: string) => `${prefix}user:{${userId}}:rooms`;
  const invitesKey = (userId: string) => `${prefix}user:{${userId}}:invitations`;
  return {
    add: (userId, room) =>
      redisCall(async () => (await redis.sadd(roomsKey(userId), encodeText(room))) > 0),
    remove: (userId, room) =>
      redisCall(async () => (await redis.srem(roomsKey(userId), encodeText(room))) > 0),
    roomsOf: (userId) =>
      redisCall(async () => (await redis.smembers(roomsKey(userId))).map(decodeText).sort()),
    invite: (userId, invitation) =>
      redisCall(async () => {
        await redis.hset(
          invitesKey(userId),
          encodeText(invitation.room),
          JSON.stringify(invitation),
        );
      }),
    dropInvitation: (userId, room) =>
      redisCall(async () => (await redis.hdel(invitesKey(userId), encodeText(room))) > 0),
    invitationsOf: (userId) =>
      redisCall(async () =>
        Object.values(await redis.hgetall(invitesKey(userId)))
          .map((json) => JSON.parse(json) as Invitation)
          .sort(byAge),
      ),
  };
}
