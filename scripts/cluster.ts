// The production topology on this machine, without Docker:
//   npm run cluster [-- --nodes 3 --redis single|cluster --adapter classic|sharded …]
// PostgreSQL on 127.0.0.1:5433 (data in .cluster/postgres), redis-server (AOF on) on 127.0.0.1:6390, or with `--redis cluster` a Redis Cluster of
// three primaries and three replicas on 6390..6395 (buses on 16390..16395); chat nodes on
// 127.0.0.1:3001.. (metrics on 9465..), HAProxy on http://localhost:8080 (redirects) and
// https://localhost:8443, stats on 127.0.0.1:8404. Every port is an option, or a CLUSTER_* variable (see README), so two
// clusters can run side by side with their own --dir. The chat's own settings
// (RATE_LIMIT_PER_SEC, GUESTS, …) pass from this command's environment to every node.
// Ctrl-C stops everything, and so does a SIGTERM, SIGINT or SIGKILL to npm's process alone. Data lives in .cluster/ (delete it to start afresh).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CONFIG_VARIABLES } from '../server/src/config.js';
import { onLauncherGone } from './lib/launcher.js';
import { ChatNodeProcess, HaproxyProcess, PostgresProcess, RedisProcess } from './lib/processes.js';
import { RedisCluster } from './lib/redis-cluster.js';

/** Each port: its option, its environment variable, its default. */
const PORT_SETTINGS = {
  redis: ['redis-port', 'CLUSTER_REDIS_PORT', 6390],
  postgres: ['postgres-port', 'CLUSTER_POSTGRES_PORT', 5433],
  http: ['http-port', 'CLUSTER_HTTP_PORT', 8080],
  https: ['https-port', 'CLUSTER_HTTPS_PORT', 8443],
  stats: ['stats-port', 'CLUSTER_STATS_PORT', 8404],
  firstNode: ['node-port', 'CLUSTER_NODE_PORT', 3001],
  firstMetrics: ['metrics-port', 'CLUSTER_METRICS_PORT', 9465],
} as const;

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '3' },
    redis: { type: 'string', default: 'single' },
    // Default: classic on one redis-server, sharded on a Redis Cluster.
    adapter: { type: 'string' },
    dir: { type: 'string', default: process.env.CLUSTER_DIR ?? '.cluster' },
    ...Object.fromEntries(
      Object.values(PORT_SETTINGS).map(([option]) => [option, { type: 'string' as const }]),
    ),
  },
});
const count = Number(values.nodes);
if (!Number.isInteger(count) || count < 1 || count > 3) {
  // haproxy/haproxy.cfg names three servers; a missing one is simply marked down.
  console.error('--nodes must be 1, 2 or 3');
  process.exit(2);
}
if (values.redis !== 'single' && values.redis !== 'cluster') {
  console.error('--redis must be single or cluster');
  process.exit(2);
}
const onCluster = values.redis === 'cluster';
const adapter = values.adapter ?? (onCluster ? 'sharded' : 'classic');
if (adapter !== 'classic' && adapter !== 'sharded') {
  console.error('--adapter must be classic or sharded');
  process.exit(2);
}
if (onCluster && adapter !== 'sharded') {
  console.error(
    '--redis cluster runs the sharded adapter only (the classic one would reorder messages)',
  );
  process.exit(2);
}

const portOf = ([option, variable, fallback]: readonly [string, string, number]): number => {
  const raw = (values as Record<string, string | undefined>)[option] ?? process.env[variable];
  const port = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    console.error(`--${option} (${variable}) must be a port number, not ${String(raw)}`);
    process.exit(2);
  }
  return port;
};
const PORTS = Object.fromEntries(
  Object.entries(PORT_SETTINGS).map(([name, setting]) => [name, portOf(setting)]),
) as Record<keyof typeof PORT_SETTINGS, number>;

// The chat's settings from this command's environment (RATE_LIMIT_PER_SEC=50 npm run
// cluster); the cluster's own wiring below takes precedence.
const passed = Object.fromEntries(
  CONFIG_VARIABLES.flatMap((name) => {
    const value = process.env[name];
    return value === undefined ? [] : [[name, value]];
  }),
);
const run = (command: string, args: string[]) => execFileSync(command, args, { stdio: 'inherit' });

run('bash', ['scripts/ensure-system-packages.sh']);
run('bash', ['scripts/make-cert.sh']);
if (!existsSync('dist/server/src/main.js') || !existsSync('dist/client/index.html')) {
  run('npm', ['run', 'build']);
}
const redisDir = join(values.dir, 'redis');
mkdirSync(redisDir, { recursive: true });

// One redis-server, or six cluster nodes on consecutive ports (1 s node timeout: a dead
// primary's replica takes over within about two seconds).
const redis = onCluster
  ? new RedisCluster({
      ports: Array.from({ length: 6 }, (_, i) => PORTS.redis + i),
      dir: redisDir,
      nodeTimeoutMs: 1000,
    })
  : new RedisProcess({ appendonly: true, port: PORTS.redis, dir: redisDir });
// The database of record: PostgreSQL, its data kept in .cluster/postgres across runs.
const postgresDir = join(values.dir, 'postgres');
mkdirSync(postgresDir, { recursive: true });
const postgres = new PostgresProcess({ port: PORTS.postgres, dir: postgresDir });
const redisEnv: Record<string, string> =
  redis instanceof RedisCluster ? { REDIS_CLUSTER_NODES: redis.seeds } : { REDIS_URL: redis.url };
const nodes = Array.from(
  { length: count },
  (_, i) =>
    new ChatNodeProcess({
      built: true,
      env: {
        ...passed,
        PORT: String(PORTS.firstNode + i),
        METRICS_PORT: String(PORTS.firstMetrics + i),
        ...redisEnv,
        DATABASE_URL: postgres.url(),
        REDIS_ADAPTER: adapter,
        CLIENT: 'static',
        SHUTDOWN_DRAIN_MS: '3000',
        LOG_LEVEL: passed.LOG_LEVEL ?? 'warn',
        // HAProxy connects from loopback; its X-Forwarded-* headers count.
        TRUST_PROXY: 'loopback',
        PUBLIC_ORIGIN: passed.PUBLIC_ORIGIN ?? `https://localhost:${PORTS.https}`,
      },
    }),
);
const haproxy = new HaproxyProcess({
  config: 'haproxy/haproxy.cfg',
  httpPort: PORTS.http,
  env: {
    HAPROXY_HTTP_BIND: `127.0.0.1:${PORTS.http}`,
    HAPROXY_HTTPS_BIND: `127.0.0.1:${PORTS.https}`,
    HAPROXY_HTTPS_PORT: String(PORTS.https),
    HAPROXY_STATS_BIND: `127.0.0.1:${PORTS.stats}`,
    // HSTS from "localhost" would pin every localhost port to https, npm run dev included.
    HAPROXY_HSTS: 'max-age=0',
    ...Object.fromEntries(
      Array.from({ length: 3 }, (_, i) => [`APP${i + 1}_ADDR`, `127.0.0.1:${PORTS.firstNode + i}`]),
    ),
  },
});

let stopping = false;
async function stopAll(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log('\nstopping…');
  await haproxy.stop();
  await Promise.all(nodes.map((n) => n.stop('SIGTERM')));
  await redis.stop();
  await postgres.stop();
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));
onLauncherGone(() => void stopAll(0));

try {
  await Promise.all([redis.start(), postgres.start()]);
  await Promise.all(nodes.map((n) => n.start()));
  await haproxy.start();
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  await stopAll(1);
}

console.log(`
Chat cluster running (${count} node${count > 1 ? 's' : ''}, ${adapter} adapter):
  chat          https://localhost:${PORTS.https}   (self-signed certificate: accept it once)
  plain HTTP    http://localhost:${PORTS.http}    (redirects to HTTPS)
  HAProxy stats http://127.0.0.1:${PORTS.stats}/stats
  nodes         ${nodes.map((n) => n.url).join('  ')}
  metrics       ${nodes.map((_, i) => `http://127.0.0.1:${PORTS.firstMetrics + i}/metrics`).join('  ')}
  postgres      ${postgres.url()}   (data in ${postgresDir})
  redis         ${redis instanceof RedisCluster ? `cluster ${redis.seeds}` : redis.url}   (AOF in ${redisDir})
Ctrl-C stops everything.`);
