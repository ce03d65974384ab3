import type { RedisClient } from '../storage/redis-client.js';
import { decodeText, encodeText } from '../storage/text-codec.js';
import { redisCall } from '../storage/unavailable.js';
import type { ConversationStore } from './store.js';

// Moves a read marker forward only: two tabs marking at once never move it back.
// KEYS: the user's marks hash. ARGV: room, position. Returns the marker now.
const MARK = `
local function parse(id)
  local m, s = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(m), tonumber(s)
end
local current = redis.call('HGET', KEYS[1], ARGV[1])
if current then
  local cm, cs = parse(current)
  local nm, ns = parse(ARGV[2])
  if cm and nm and (nm < cm or (nm == cm and ns <= cs)) then return current end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return ARGV[2]
`;

/**
 * Conversations and read markers in Redis. Each key belongs to one room or one user, so every
 * call touches a single key (and a single slot on Redis Cluster), except `open`, which writes
 * the conversation's own key first: a crash half-way leaves it listed for fewer people, and
 * opening it again completes it. Room names are written through the text codec: Redis holds
 * UTF-8, where a lone surrogate would turn into U+FFFD.
 */
export function createRedisConversations(redis: RedisClient, prefix: string): ConversationStore {
  const roomKey = (room: string) => `${prefix}{${encodeText(room)}}:participants`;
  const userKey = (userId: string) => `${prefix}user:{${userId}}:conversations`;
  const marksKey = (userId: string) => `${prefix}user:{${userId}}:read`;
  return {
    open: (room, participants) =>
      redisCall(async () => {
        // RPUSH only when absent keeps the first order of participants.
        if ((await redis.exists(roomKey(room))) === 0) {
          await redis.rpush(roomKey(room), ...participants);
        }
        await Promise.all(participants.map((id) => redis.sadd(userKey(id), encodeText(room))));
      }),
    participants: (room) =>
      redisCall(async () => {
        const ids = await redis.lrange(roomKey(room), 0, -1);
        return ids.length > 0 ? [...new Set(ids)] : undefined;
      }),
    conversationsOf: (userId) =>
      redisCall(async () => (await redis.smembers(userKey(userId))).map(decodeText)),
    markRead: (userId, room, position) =>
      redisCall(async () =>
        String(await redis.eval(MARK, 1, marksKey(userId), encodeText(room), position)),
      ),
    readMarks: (userId) =>
      redisCall(
        async () =>
          new Map(
            Object.entries(await redis.hgetall(marksKey(userId))).map(([room, position]) => [
              decodeText(room),
              position,
            ]),
          ),
      ),
  };
}
