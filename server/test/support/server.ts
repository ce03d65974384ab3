import { pino } from 'pino';
import { onTestFinished } from 'vitest';
import { createServer, type ChatServer, type ServerDeps } from '../../src/app.js';
import { defaultConfig, type Config } from '../../src/config.js';
import { createNode, type ChatNode } from '../../src/node.js';

export interface TestServer {
  server: ChatServer;
  url: string;
  port: number;
  /** The operators' listener (/metrics), on a port of its own. */
  metricsUrl: string;
}

/**
 * The configuration tests start from: defaults, a free loopback port, quiet, no page, and
 * data in memory (tests of the SQLite store give it a folder of their own).
 */
export const testConfig = (overrides: Partial<Config> = {}): Config => ({
  ...defaultConfig,
  port: 0,
  host: '127.0.0.1',
  logLevel: 'silent',
  client: 'off',
  store: 'memory',
  // Clients sign in as guests; hashing at the default cost would slow every account test.
  guests: true,
  scryptCost: 10,
  // Leaves are announced at once unless a test is about the grace period.
  presenceGraceMs: 0,
  metricsPort: 0,
  // Every test client comes from 127.0.0.1 as a new guest, often in rooms of its own.
  guestsPerHourPerAddress: 1_000_000,
  signupsPerHourPerAddress: 1_000_000,
  roomsPerHour: 1_000_000,
  roomsPerHourPerAddress: 1_000_000,
  ...overrides,
});

/** A real server on a free loopback port, closed when the calling test finishes. */
export async function startTestServer(
  overrides: Partial<Config> = {},
  deps: ServerDeps = {},
): Promise<TestServer> {
  const config = testConfig(overrides);
  const server = createServer(config, { logger: pino({ level: 'silent' }), ...deps });
  const { url, port, metricsUrl } = await server.listen();
  onTestFinished(() => server.close());
  if (metricsUrl === undefined) throw new Error('the metrics listener did not start');
  return { server, url, port, metricsUrl };
}

export interface TestNode extends ChatNode {
  url: string;
  metricsUrl: string;
}

/**
 * A node wired exactly as the entry file wires it (Redis when `redisUrl` is set), on a free
 * loopback port, closed when the calling test finishes. With `waitForRedis`, resolves once
 * every Redis connection is up.
 */
export async function startTestNode(
  overrides: Partial<Config> = {},
  { waitForRedis = true, now }: { waitForRedis?: boolean; now?: () => number } = {},
): Promise<TestNode> {
  const node = createNode(testConfig(overrides), {
    logger: pino({ level: 'silent' }),
    ...(now ? { now } : {}),
  });
  onTestFinished(() => node.close());
  if (waitForRedis) await node.redis?.ready();
  const { url, metricsUrl } = await node.listen();
  if (metricsUrl === undefined) throw new Error('the metrics listener did not start');
  return { ...node, url, metricsUrl };
}
