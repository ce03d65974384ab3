import { randomBytes } from 'node:crypto';
import type { RedisClient } from '../storage/redis-client.js';
import type { Member } from '../../../common/contract.js';
import type { Logger } from '../logger.js';
import { distinctMembers } from './membership.js';
import type { ChatIO } from '../io.js';

/**
 * Who is in which room, per node, as far as the rest of the cluster must know: when a node
 * dies without saying goodbye, another node announces the leaves of its members.
 */
export interface PresenceRegistry {
  /** A connection (`socketId`) of `member` is in `room`. */
  joined(room: string, socketId: string, member: Member): void;
  left(room: string, socketId: string): void;
  /** Stops the heartbeat; the node's members are announced as left by the others shortly. */
  close(): Promise<void>;
}

/** One node alone needs no registry: its own disconnects announce every leave. */
export const localPresence: PresenceRegistry = {
  joined: () => undefined,
  left: () => undefined,
  close: () => Promise.resolve(),
};

export interface ClusterPresenceOptions {
  prefix: string;
  /** How often this node says it is alive and looks for dead ones, in ms. */
  heartbeatMs?: number;
  /** A node silent this long is dead, in ms. */
  deadAfterMs?: number;
}

/**
 * Presence through Redis. Each node keeps `node:{<id>}:members` (room + socket id → member)
 * and an `alive` key it refreshes; every node checks the others' keys, and the first to
 * take a lock on a node whose key expired announces its members' leaves to the cluster.
 */
// eslint-disable-next-line max-lines-per-function -- a factory of small closures (its methods), each well under the limit
export function createClusterPresence(
  redis: RedisClient,
  io: ChatIO,
  logger: Logger,
  options: ClusterPresenceOptions,
): PresenceRegistry {
  const heartbeatMs = options.heartbeatMs ?? 1000;
  const deadAfterMs = options.deadAfterMs ?? 3000;
  const node = randomBytes(6).toString('hex');
  // A node's own keys share a hash tag (one slot on Redis Cluster, so one MULTI writes
  // them); the set of nodes is a key of its own, written in a command of its own.
  const key = {
    nodes: `${options.prefix}nodes`,
    alive: (id: string) => `${options.prefix}node:{${id}}:alive`,
    members: (id: string) => `${options.prefix}node:{${id}}:members`,
    reaper: (id: string) => `${options.prefix}node:{${id}}:reaper`,
  };
  const field = (room: string, socketId: string) => `${room}\n${socketId}`;

  // Registry writes are best effort: a failed one (Redis down) costs at most a ghost or a
  // stray leave later, never a message.
  const quietly = (what: string, p: Promise<unknown>) => {
    p.catch((err: unknown) => {
      logger.debug({ err, what }, 'presence registry write failed');
    });
  };

  const reap = async (dead: string): Promise<void> => {
    // One node announces; the lock outlives the work.
    const locked = await redis.set(key.reaper(dead), node, 'PX', 10_000, 'NX');
    if (locked !== 'OK') return;
    const entries = await redis.hgetall(key.members(dead));
    // One announcement per user and room, however many of their connections the node held,
    // and none for a user still in the room through another node.
    const gone = new Map<string, { room: string; member: Member }>();
    for (const [name, value] of Object.entries(entries)) {
      const room = name.slice(0, name.indexOf('\n'));
      const member = JSON.parse(value) as Member;
      gone.set(`${room}\n${member.id}`, { room, member });
    }
    for (const { room, member } of gone.values()) {
      const members = distinctMembers(await io.in(room).fetchSockets());
      if (members.some((m) => m.id === member.id)) continue;
      io.to(room).emit('presence', { room, action: 'leave', member, count: members.length });
    }
    await redis.del(key.members(dead));
    await redis.srem(key.nodes, dead);
    if (Object.keys(entries).length > 0) {
      logger.info(
        { node: dead, members: Object.keys(entries).length },
        'announced leaves of a dead node',
      );
    }
  };

  // Alive first, then listed among the nodes, then members: a node is never listed without
  // being alive (the others would reap it alive), and never holds members unlisted (a node
  // that dies before its first heartbeat is still known, and its members announced).
  let registered = false;
  const register = async () => {
    await redis.set(key.alive(node), '1', 'PX', deadAfterMs);
    await redis.sadd(key.nodes, node);
    registered = true;
  };

  // Since when this node's beats have gone through without a failure. After Redis was away,
  // every node's alive key has lapsed, the living ones included: nobody is judged dead until
  // each had a full dead-after period, plus a beat, to refresh its key again.
  let beatingSince: number | undefined;
  const beat = async (): Promise<void> => {
    try {
      await register();
    } catch (err) {
      beatingSince = undefined;
      registered = false;
      throw err;
    }
    const now = Date.now();
    beatingSince ??= now;
    if (now - beatingSince < deadAfterMs + heartbeatMs) return;
    for (const other of await redis.smembers(key.nodes)) {
      if (other !== node && (await redis.exists(key.alive(other))) === 0) await reap(other);
    }
  };

  let running = true;
  // The beat in flight, if any: close() waits for it, so that a reap never broadcasts
  // through an adapter that shutdown has already closed.
  let beating: Promise<void> = Promise.resolve();
  const beatQuietly = () => {
    beating = beat().catch((err: unknown) => {
      logger.debug({ err }, 'presence heartbeat failed');
    });
  };
  const timer = setInterval(() => {
    if (running) beatQuietly();
  }, heartbeatMs);
  timer.unref();
  beatQuietly();

  return {
    joined(room, socketId, member) {
      const write = async () => {
        if (!registered) await register();
        // Staying alive goes with every membership write (one slot, one MULTI).
        await redis
          .multi()
          .set(key.alive(node), '1', 'PX', deadAfterMs)
          .hset(key.members(node), field(room, socketId), JSON.stringify(member))
          .exec();
      };
      quietly('join', write());
    },
    left(room, socketId) {
      quietly('leave', redis.hdel(key.members(node), field(room, socketId)));
    },
    async close() {
      running = false;
      clearInterval(timer);
      await beating;
      // Gone now rather than after deadAfterMs: the others reap this node at their next beat.
      await redis.del(key.alive(node)).catch(() => undefined);
    },
  };
}
