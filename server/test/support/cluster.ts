import { pino } from 'pino';
import { onTestFinished } from 'vitest';
import { connectRedis, type RedisCluster } from '../../src/adapter.js';
import { createServer, type ChatServer } from '../../src/app.js';
import type { Config } from '../../src/config.js';
import { testConfig } from './server.js';

export interface ClusterNode {
  server: ChatServer;
  redis: RedisCluster;
  url: string;
}

let deployments = 0;

/** A key prefix of its own, so tests sharing one redis-server never see each other. */
export const newDeployment = (): string => `d${process.pid}x${deployments++}:`;

/**
 * One chat node in this process, sharing history and broadcasts with the other nodes of
 * the same deployment through a real Redis. Closed when the calling test finishes.
 */
export async function startNode(
  redisUrl: string,
  deployment: string,
  overrides: Partial<Config> = {},
  { waitForRedis = true } = {},
): Promise<ClusterNode> {
  const config = testConfig({ redisUrl, redisPrefix: deployment, ...overrides });
  const logger = pino({ level: 'silent' });
  const redis = connectRedis(config, logger);
  if (waitForRedis) await redis.ready();
  const server = createServer(config, {
    logger,
    history: redis.history,
    adapter: redis.adapter,
    presence: redis.presence,
    checks: { redis: redis.healthy },
    started: redis.started,
  });
  const { url } = await server.listen();
  onTestFinished(async () => {
    await server.close();
    await redis.close();
  });
  return { server, redis, url };
}

export async function startNodes(
  count: number,
  redisUrl: string,
  overrides: Partial<Config> = {},
): Promise<ClusterNode[]> {
  const deployment = newDeployment();
  const nodes: ClusterNode[] = [];
  for (let i = 0; i < count; i++) nodes.push(await startNode(redisUrl, deployment, overrides));
  return nodes;
}
