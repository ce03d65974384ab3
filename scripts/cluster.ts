// The production topology on this machine, without Docker:
//   npm run cluster [-- --nodes 3 --adapter classic|sharded]
// redis-server (AOF on) on 127.0.0.1:6390, chat nodes on 127.0.0.1:3001.., HAProxy on
// http://localhost:8080 (redirects) and https://localhost:8443, stats on 127.0.0.1:8404.
// Ctrl-C stops everything. Data lives in .cluster/ (delete it to start afresh).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ChatNodeProcess, HaproxyProcess, RedisProcess } from './lib/processes.js';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '3' },
    adapter: { type: 'string', default: 'classic' },
  },
});
const count = Number(values.nodes);
if (!Number.isInteger(count) || count < 1 || count > 3) {
  // haproxy/haproxy.cfg names three servers; a missing one is simply marked down.
  console.error('--nodes must be 1, 2 or 3');
  process.exit(2);
}
if (values.adapter !== 'classic' && values.adapter !== 'sharded') {
  console.error('--adapter must be classic or sharded');
  process.exit(2);
}

const PORTS = {
  redis: 6390,
  http: 8080,
  https: 8443,
  stats: 8404,
  firstNode: 3001,
  firstMetrics: 9465,
};
const run = (command: string, args: string[]) => execFileSync(command, args, { stdio: 'inherit' });

run('bash', ['scripts/ensure-system-packages.sh']);
run('bash', ['scripts/make-cert.sh']);
if (!existsSync('dist/server/src/main.js') || !existsSync('dist/client/index.html')) {
  run('npm', ['run', 'build']);
}
mkdirSync('.cluster/redis', { recursive: true });

const redis = new RedisProcess({ appendonly: true, port: PORTS.redis, dir: '.cluster/redis' });
const nodes = Array.from(
  { length: count },
  (_, i) =>
    new ChatNodeProcess({
      built: true,
      env: {
        PORT: String(PORTS.firstNode + i),
        METRICS_PORT: String(PORTS.firstMetrics + i),
        REDIS_URL: redis.url,
        REDIS_ADAPTER: values.adapter,
        CLIENT: 'static',
        SHUTDOWN_DRAIN_MS: '3000',
        LOG_LEVEL: 'warn',
        // HAProxy connects from loopback; its X-Forwarded-* headers count.
        TRUST_PROXY: 'loopback',
        PUBLIC_ORIGIN: `https://localhost:${PORTS.https}`,
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
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

try {
  await redis.start();
  await Promise.all(nodes.map((n) => n.start()));
  await haproxy.start();
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  await stopAll(1);
}

console.log(`
Chat cluster running (${count} node${count > 1 ? 's' : ''}, ${values.adapter} adapter):
  chat          https://localhost:${PORTS.https}   (self-signed certificate: accept it once)
  plain HTTP    http://localhost:${PORTS.http}    (redirects to HTTPS)
  HAProxy stats http://127.0.0.1:${PORTS.stats}/stats
  nodes         ${nodes.map((n) => n.url).join('  ')}
  metrics       ${nodes.map((_, i) => `http://127.0.0.1:${PORTS.firstMetrics + i}/metrics`).join('  ')}
  redis         ${redis.url}   (AOF in .cluster/redis)
Ctrl-C stops everything.`);
