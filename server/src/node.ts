import type { Registry } from 'prom-client';
import { createServer, type ChatServer } from './app.js';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import { connectRedis, type RedisServices } from './redis.js';

export interface ChatNode {
  server: ChatServer;
  /** Set when `config.redisUrl` is: this node shares everything through it. */
  redis: RedisServices | undefined;
  /** Stops the server gracefully, then closes the Redis connections. Idempotent. */
  close(): Promise<void>;
}

/**
 * One chat node as the configuration describes it: with REDIS_URL, history, broadcasts
 * and presence are shared with the other nodes through Redis; without it, it stands alone
 * with history in memory. The entry file and the tests start nodes through this one function.
 */
export function createNode(
  config: Config,
  deps: { logger: Logger; registry?: Registry; now?: () => number },
): ChatNode {
  const redis = config.redisUrl === undefined ? undefined : connectRedis(config, deps.logger);
  const server = createServer(config, { ...deps, ...(redis ? { redis } : {}) });
  let closing: Promise<void> | undefined;
  return {
    server,
    redis,
    close() {
      closing ??= server.close().then(() => redis?.close());
      return closing;
    },
  };
}
