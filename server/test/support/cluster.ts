import type { Config } from '../../src/config.js';
import type { RedisServices } from '../../src/backends/redis.js';
import { startTestNode, type TestNode } from './server.js';

let deployments = 0;

/** A key prefix of its own, so tests sharing one redis-server never see each other. */
export const newDeployment = (): string => `d${process.pid}x${deployments++}:`;

/** Where the nodes meet: a redis-server's URL, or the nodes of a Redis Cluster. */
export type RedisTarget = string | { clusterNodes: string };

const targetConfig = (target: RedisTarget): Partial<Config> =>
  typeof target === 'string'
    ? { redisUrl: target }
    : { redisClusterNodes: target.clusterNodes, redisAdapter: 'sharded', redisAckReplicas: 1 };

/**
 * One chat node in this process, sharing history and broadcasts with the other nodes of
 * the same deployment through a real Redis. Closed when the calling test finishes.
 */
export function startNode(
  target: RedisTarget,
  deployment: string,
  overrides: Partial<Config> = {},
  options: { waitForRedis?: boolean; now?: () => number } = {},
): Promise<TestNode> {
  return startTestNode({ ...targetConfig(target), redisPrefix: deployment, ...overrides }, options);
}

export async function startNodes(
  count: number,
  target: RedisTarget,
  overrides: Partial<Config> = {},
): Promise<TestNode[]> {
  const deployment = newDeployment();
  const nodes: TestNode[] = [];
  for (let i = 0; i < count; i++) nodes.push(await startNode(target, deployment, overrides));
  return nodes;
}

/** Resolves once the node's Redis connections are all up (`wanted` true) or one is down. */
export function health(redis: RedisServices | undefined, wanted: boolean): Promise<void> {
  if (!redis) throw new Error('this node has no Redis');
  return redis.healthy() === wanted
    ? Promise.resolve()
    : new Promise<void>((resolve) => {
        redis.onHealthChange((h) => {
          if (h === wanted) resolve();
        });
      });
}
