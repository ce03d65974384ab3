import type { Registry } from 'prom-client';
import { createServer, type ChatServer } from './app.js';
import { openPostgresStores } from './backends/postgres.js';
import { connectRedis, type RedisServices } from './backends/redis.js';
import { openSqliteStores } from './backends/sqlite.js';
import type { Stores } from './backends/stores.js';
import { usesRedis, type Config } from './config.js';
import type { Logger } from './logger.js';

export interface ChatNode {
  server: ChatServer;
  /** Set when the config names Redis (a server or a cluster): this node shares everything through it. */
  redis: RedisServices | undefined;
  /** Migrates the database's schema (with DATABASE_URL), then listens. */
  listen: ChatServer['listen'];
  /** Stops the server gracefully, then closes the Redis connections. Idempotent. */
  close(): Promise<void>;
}

/**
 * The one place that chooses where a node keeps its data: with DATABASE_URL, the record
 * (history, accounts, conversations, moderation, memberships) is in PostgreSQL; with
 * REDIS_URL (or a Redis Cluster), broadcasts and presence are shared with the other nodes
 * through Redis, and the record too when there is no database; with neither, a node stands
 * alone, with its data in SQLite (or in memory with STORE=memory, which `createServer` fills in). The entry file and the tests start nodes through it.
 */
export function createNode(
  config: Config,
  deps: { logger: Logger; registry?: Registry; now?: () => number },
): ChatNode {
  const redis = usesRedis(config) ? connectRedis(config, deps.logger) : undefined;
  const { databaseUrl } = config;
  const postgres =
    databaseUrl === undefined ? undefined : openPostgresStores({ ...config, databaseUrl }, deps);
  const sqlite =
    postgres === undefined && redis === undefined && config.store === 'sqlite'
      ? openSqliteStores(config, deps.now)
      : undefined;
  const stores: Partial<Stores> = postgres ?? redis ?? sqlite ?? {};
  const record = postgres ?? sqlite;
  const server = createServer(config, {
    ...deps,
    ...(redis ? { redis } : {}),
    ...(postgres ? { database: postgres.health } : {}),
    ...(record ? { databaseBytes: () => record.sizeBytes() } : {}),
    ...pick(stores),
  });
  let closing: Promise<void> | undefined;
  const close = async () => {
    await server.close();
    await redis?.close();
    await postgres?.close();
    sqlite?.close();
  };
  return {
    server,
    redis,
    // The schema first: a node that took clients before would fail their every request.
    listen: async () => {
      await postgres?.migrated;
      return server.listen();
    },
    close() {
      closing ??= close();
      return closing;
    },
  };
}

/** Only the stores, not the rest of what a backend holds. */
const pick = ({
  history,
  accounts,
  conversations,
  moderation,
  memberships,
}: Partial<Stores>): Partial<Stores> => ({
  ...(history ? { history } : {}),
  ...(accounts ? { accounts } : {}),
  ...(conversations ? { conversations } : {}),
  ...(moderation ? { moderation } : {}),
  ...(memberships ? { memberships } : {}),
});
