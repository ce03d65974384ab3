import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import {
  ChatNodeProcess,
  freePort,
  HaproxyProcess,
  localCertificate,
  RedisProcess,
} from '../../../scripts/lib/processes.js';
import type { RedisCluster } from '../../../scripts/lib/redis-cluster.js';

export interface Deployment {
  /** The redis-server, unless the deployment runs on a Redis Cluster. */
  redis: RedisProcess | undefined;
  nodes: ChatNodeProcess[];
  haproxy: HaproxyProcess;
  /** The public HTTPS URL, through HAProxy. */
  url: string;
  httpUrl: string;
}

export interface DeploymentOptions {
  redisAdapter?: 'classic' | 'sharded';
  /** Drop the sticky cookie from the HAProxy config: shows what stickiness is for. */
  sticky?: boolean;
  env?: Record<string, string>;
  /** Run on this (started) Redis Cluster instead of a redis-server of the deployment's own. */
  redisCluster?: RedisCluster;
}

function haproxyConfig(sticky: boolean): string {
  if (sticky) return 'haproxy/haproxy.cfg';
  const text = readFileSync('haproxy/haproxy.cfg', 'utf8')
    .replace(/^\s*cookie SERVERID .*$/m, '')
    .replace(/ cookie app\d/g, '');
  const path = join(mkdtempSync(join(tmpdir(), 'chat-haproxy-')), 'non-sticky.cfg');
  writeFileSync(path, text);
  return path;
}

/**
 * The production topology on loopback: redis-server (AOF on) or a Redis Cluster, three chat
 * node processes and HAProxy with TLS in front, each on free ports. Stopped when the test
 * finishes.
 */
export async function startDeployment(options: DeploymentOptions = {}): Promise<Deployment> {
  let redis: RedisProcess | undefined;
  let redisEnv: Record<string, string>;
  if (options.redisCluster) {
    redisEnv = { REDIS_CLUSTER_NODES: options.redisCluster.seeds };
  } else {
    const server = new RedisProcess({ appendonly: true });
    redis = server;
    await server.start();
    onTestFinished(() => server.stop().then(() => undefined));
    redisEnv = { REDIS_URL: server.url };
  }

  const nodes = await Promise.all(
    [1, 2, 3].map(async () => {
      const node = new ChatNodeProcess({
        env: {
          ...redisEnv,
          REDIS_ADAPTER: options.redisAdapter ?? (options.redisCluster ? 'sharded' : 'classic'),
          SHUTDOWN_DRAIN_MS: '3000',
          LOG_LEVEL: 'debug',
          TRUST_PROXY: 'loopback',
          SCRYPT_COST: '10',
          GUESTS: 'true',
          PRESENCE_GRACE_MS: '0',
          GUESTS_PER_HOUR_PER_ADDRESS: '1000000',
          SIGNUPS_PER_HOUR_PER_ADDRESS: '1000000',
          ROOMS_PER_HOUR_PER_ADDRESS: '1000000',
          ...options.env,
        },
      });
      onTestFinished(() => node.stop('SIGKILL').then(() => undefined));
      await node.start();
      return node;
    }),
  );

  const cert = await localCertificate();
  // HAProxy binds two ports; if either was taken meanwhile it exits, and gets two others.
  let haproxy: HaproxyProcess | undefined;
  let httpPort = 0;
  let httpsPort = 0;
  for (let attempt = 1; !haproxy; attempt++) {
    [httpPort, httpsPort] = [await freePort(), await freePort()];
    const candidate = new HaproxyProcess({
      config: haproxyConfig(options.sticky ?? true),
      httpPort,
      env: {
        HAPROXY_HTTP_BIND: `127.0.0.1:${httpPort}`,
        HAPROXY_HTTPS_BIND: `127.0.0.1:${httpsPort}`,
        HAPROXY_HTTPS_PORT: String(httpsPort),
        HAPROXY_CERT: cert,
        ...Object.fromEntries(nodes.map((n, i) => [`APP${i + 1}_ADDR`, `127.0.0.1:${n.port}`])),
      },
    });
    onTestFinished(() => candidate.stop().then(() => undefined));
    try {
      await candidate.start();
      haproxy = candidate;
    } catch (err) {
      await candidate.stop();
      if (attempt >= 3) throw err;
    }
  }
  return {
    redis,
    nodes,
    haproxy,
    url: `https://127.0.0.1:${httpsPort}`,
    httpUrl: `http://127.0.0.1:${httpPort}`,
  };
}

/** Connections on one node, read from its own /metrics (on its operators' listener). */
export async function connectionsOn(metricsUrl: string): Promise<number> {
  const text = await (await fetch(`${metricsUrl}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith('chat_connections{'))
    .reduce((total, l) => total + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}
