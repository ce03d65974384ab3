import { join } from 'node:path';
import type { Registry } from 'prom-client';
import { createSqliteAccounts } from './accounts/sqlite-store.js';
import { createSqliteConversations } from './conversations/sqlite-store.js';
import { createSqliteModeration } from './moderation/sqlite-store.js';
import { createServer, type ChatServer } from './app.js';
import { usesRedis, type Config } from './config.js';
import { createSqliteHistoryStore } from './history/sqlite-store.js';
import type { Logger } from './logger.js';
import { connectRedis, type RedisServices } from './redis.js';
import { openDatabase, type SqliteDatabase } from './storage/sqlite.js';

export interface ChatNode {
  server: ChatServer;
  /** Set when the config names Redis (a server or a cluster): this node shares everything through it. */
  redis: RedisServices | undefined;
  /** Stops the server gracefully, then closes the Redis connections. Idempotent. */
  close(): Promise<void>;
}

/**
 * One chat node as the configuration describes it: with REDIS_URL, history, broadcasts
 * and presence are shared with the other nodes through Redis; without it, it stands alone,
 * with its data in SQLite (or in memory with STORE=memory). The entry file and the tests
 * start nodes through this one function.
 */
export function createNode(
  config: Config,
  deps: { logger: Logger; registry?: Registry; now?: () => number },
): ChatNode {
  const redis = usesRedis(config) ? connectRedis(config, deps.logger) : undefined;
  const db =
    redis === undefined && config.store === 'sqlite'
      ? openDatabase(join(config.dataDir, 'chat.db'))
      : undefined;
  const server = createServer(config, {
    ...deps,
    ...(redis ? { redis } : {}),
    ...(db
      ? {
          history: createSqliteHistoryStore(db, historyOptions(config)),
          accounts: createSqliteAccounts(db, deps.now),
          conversations: createSqliteConversations(db),
          moderation: createSqliteModeration(db),
        }
      : {}),
  });
  let closing: Promise<void> | undefined;
  const close = async (database: SqliteDatabase | undefined) => {
    await server.close();
    await redis?.close();
    database?.close();
  };
  return {
    server,
    redis,
    close() {
      closing ??= close(db);
      return closing;
    },
  };
}

const historyOptions = (config: Config) => ({
  limit: config.historyLimit,
  dedupTtlMs: config.dedupTtlMs,
});
