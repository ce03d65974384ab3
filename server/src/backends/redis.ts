import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { redisThrottle, type ThrottleFactory } from '../limits/login-throttle.js';
import { createRedisAccounts } from '../accounts/redis-store.js';
import { createRedisConversations } from '../conversations/redis-store.js';
import { createRedisModeration } from '../moderation/redis-store.js';
import { createRedisMemberships } from '../rooms/redis-store.js';
import { createClusterPresence, type PresenceRegistry } from '../rooms/cluster-presence.js';
import type { Config } from '../config.js';
import { createRedisHistoryStore } from '../messages/redis-store.js';
import type { Stores } from './stores.js';
import type { Logger } from '../logger.js';
import type { RedisClient } from '../storage/redis-client.js';
import type { ChatIO } from '../io.js';
import { redisUserLimits, type UserLimits, type UserLimitsOptions } from '../limits/user-limits.js';

export type AdapterFactory =
  ReturnType<typeof createAdapter> | ReturnType<typeof createShardedAdapter>;

/**
 * Everything a node shares with the others through one Redis server: the Socket.IO adapter,
 * history and presence, and the health of the connections behind them.
 */
export interface RedisServices extends Stores {
  adapter: AdapterFactory;
  /** Failed sign-ins, counted once for the whole cluster. */
  throttle: ThrottleFactory;
  /** Message rates and flood penalties, shared by every node. */
  userLimits: (options: UserLimitsOptions) => UserLimits;
  /** Presence shared through Redis, so that a dead node's members are announced as left. */
  presence: (io: ChatIO, logger: Logger) => PresenceRegistry;
  /** True while every connection to Redis is up; /readyz reports it. */
  healthy: () => boolean;
  /** True once every connection has been up at the same time, at least once. */
  started: () => boolean;
  /** Resolves once every connection is up (it may take a while if Redis is down). */
  ready: () => Promise<void>;
  /** Calls `listener` whenever `healthy()` changes. */
  onHealthChange: (listener: (healthy: boolean) => void) => void;
  /**
   * Calls `listener` once the adapter's subscriptions are made again after a Redis Cluster's
   * topology changed (a failover): broadcasts published meanwhile never reached this node.
   */
  onResubscribed: (listener: () => void) => void;
  close: () => Promise<void>;
}

/** Reconnect quickly at first, then every two seconds at most, forever: Redis will return. */
const retryStrategy = (attempt: number): number => Math.min(100 * attempt, 2000);

/** A Redis Cluster node to start from: the client learns the others from it. */
export interface ClusterNode {
  host: string;
  port: number;
}

/** `host:port,host:port` (REDIS_CLUSTER_NODES) as a list of nodes. */
export const clusterNodesOf = (seeds: string): ClusterNode[] =>
  seeds.split(',').map((seed) => {
    const at = seed.trim().lastIndexOf(':');
    return { host: seed.trim().slice(0, at), port: Number(seed.trim().slice(at + 1)) };
  });

export interface ClusterClientOptions {
  /**
   * Queue commands while the cluster is unreachable. Off for the stores: during an outage a
   * send fails at once (UNAVAILABLE, the client retries) instead of waiting unacknowledged.
   */
  offlineQueue: boolean;
  /** Open one subscriber per primary for sharded pub/sub (SSUBSCRIBE), for the adapter. */
  shardedSubscribers?: boolean;
  connectionName?: string;
}

/**
 * A Redis Cluster client: commands go to the primary of their key's slot, and the client
 * follows the cluster through failovers (MOVED, and a fresh slot map on every error).
 */
export function openRedisCluster(nodes: ClusterNode[], options: ClusterClientOptions): Cluster {
  const clusterOptions: ClusterOptions = {
    clusterRetryStrategy: retryStrategy,
    // A restarted node (a replica, or a primary back after its failover) is reconnected;
    // without it the client would only find it again through a MOVED.
    clusterNodeRetryStrategy: retryStrategy,
    enableOfflineQueue: options.offlineQueue,
    // Without an offline queue, a command whose primary is gone gives up after about half a
    // second (five tries, 100 ms apart) rather than ioredis's 1.6 s: a send is refused
    // UNAVAILABLE and retried by its client while the replica takes over (1.5 s or more).
    ...(options.offlineQueue ? {} : { maxRedirections: 5, retryDelayOnFailover: 100 }),
    shardedSubscribers: options.shardedSubscribers ?? false,
    redisOptions: {
      connectionName: options.connectionName ?? 'chat',
      ...(options.offlineQueue ? {} : { maxRetriesPerRequest: 1 }),
    },
  };
  return new Cluster(nodes, clusterOptions);
}

/** How long a QUIT may take before the connection is simply dropped, in ms. */
const QUIT_TIMEOUT_MS = 1000;

/**
 * Closes one connection without ever waiting for Redis to come back: QUIT while it is up
 * (bounded), and a plain disconnect while it is down, where QUIT would sit in the offline
 * queue until Redis returned and hold up the process's exit.
 */
async function closeClient(client: RedisClient): Promise<void> {
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, QUIT_TIMEOUT_MS);
  });
  await Promise.race([client.quit().catch(() => undefined), timeout]);
  clearTimeout(timer);
  // A no-op after a QUIT that went through; cuts one that did not answer in time.
  client.disconnect();
}

/** The three clients of a node: the stores', and the adapter's publisher and subscriber. */
function openClients(config: Config): { store: RedisClient; pub: RedisClient; sub: RedisClient } {
  if (config.redisClusterNodes !== undefined) {
    const nodes = clusterNodesOf(config.redisClusterNodes);
    return {
      store: openRedisCluster(nodes, { offlineQueue: false }),
      pub: openRedisCluster(nodes, { offlineQueue: true }),
      // Sharded pub/sub needs a subscriber on the primary of each channel's slot.
      sub: openRedisCluster(nodes, {
        offlineQueue: true,
        shardedSubscribers: config.redisAdapter === 'sharded',
      }),
    };
  }
  const url = config.redisUrl;
  if (url === undefined) throw new Error('connectRedis needs REDIS_URL or REDIS_CLUSTER_NODES');
  const base: RedisOptions = { retryStrategy, connectionName: 'chat' };
  return {
    // No offline queue for the stores: during an outage a send fails at once (UNAVAILABLE,
    // the client retries) instead of waiting, unacknowledged, for Redis to come back.
    store: new Redis(url, { ...base, enableOfflineQueue: false, maxRetriesPerRequest: 1 }),
    pub: new Redis(url, base),
    sub: new Redis(url, base),
  };
}

/**
 * Connects a node to Redis, one server or a cluster: one connection for the stores, two for
 * the adapter (a subscriber cannot run other commands). ioredis is used for its reconnect
 * behaviour: it resubscribes every channel by itself when Redis comes back, and follows a
 * cluster through failovers (the test suites prove both).
 */
export function connectRedis(config: Config, logger: Logger): RedisServices {
  const clients = openClients(config);
  const { store, pub, sub } = clients;

  const healthy = () => Object.values(clients).every((c) => c.status === 'ready');
  const listeners = new Set<(healthy: boolean) => void>();
  let wasHealthy = false;
  let started = false;
  const checkHealth = () => {
    const now = healthy();
    if (now === wasHealthy) return;
    wasHealthy = now;
    started ||= now;
    logger.info({ healthy: now }, now ? 'redis up' : 'redis down');
    for (const listener of listeners) listener(now);
  };

  for (const [role, client] of Object.entries(clients)) {
    client.on('error', (err: Error) => {
      // ioredis reports every failed reconnect; the first line of each outage is enough.
      if (client.status !== 'reconnecting') logger.warn({ err: err.message, role }, 'redis error');
    });
    client.on('ready', () => {
      logger.debug({ role }, 'redis ready');
      checkHealth();
    });
    client.on('close', () => {
      logger.debug({ role }, 'redis connection closed');
      checkHealth();
    });
  }

  const channelPrefix = `${config.redisPrefix}socket.io`;
  const adapter =
    config.redisAdapter === 'sharded'
      ? createShardedAdapter(pub, sub, { channelPrefix, subscriptionMode: 'dynamic' })
      : createAdapter(pub, sub, { key: channelPrefix, requestsTimeout: 3000 });

  return {
    adapter,
    history: createRedisHistoryStore(store, {
      limit: config.historyLimit,
      dedupTtlMs: config.dedupTtlMs,
      prefix: config.redisPrefix,
      replicas: config.redisAckReplicas,
      replicaTimeoutMs: config.redisAckTimeoutMs,
    }),
    accounts: createRedisAccounts(store, config.redisPrefix),
    conversations: createRedisConversations(store, config.redisPrefix),
    moderation: createRedisModeration(store, config.redisPrefix),
    memberships: createRedisMemberships(store, config.redisPrefix),
    throttle: redisThrottle(store, config.redisPrefix),
    userLimits: (options) => redisUserLimits(store, config.redisPrefix, options),
    presence: (io, log) => createClusterPresence(store, io, log, { prefix: config.redisPrefix }),
    healthy,
    started: () => started,
    onHealthChange: (listener) => {
      listeners.add(listener);
    },
    onResubscribed: (listener) => {
      // ioredis's Cluster emits this after it moved its sharded subscribers to the slots'
      // new primaries and subscribed again; one server never emits it.
      sub.on('subscribersReady', listener);
    },
    ready: async () => {
      await Promise.all(
        Object.values(clients).map((c) =>
          c.status === 'ready'
            ? Promise.resolve()
            : new Promise<void>((resolve) => {
                c.once('ready', () => {
                  resolve();
                });
              }),
        ),
      );
    },
    close: async () => {
      await Promise.all(Object.values(clients).map(closeClient));
    },
  };
}
