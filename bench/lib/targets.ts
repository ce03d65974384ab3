// Starting the servers under test: F (the ws floor), U (the classic Socket.IO sample) and T
// (this project, as users run it), alone, as a two-node cluster through Redis, or behind HAProxy.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, localCertificate } from '../../scripts/lib/processes.js';
import { dialects, type Dialect } from '../load/dialect.js';
import type { Endpoint } from '../load/light-socket.js';
import { BenchProcess } from './processes.js';
import { newAccounts, type SignedIn } from './sign-in.js';

export type ServerName = 'F' | 'U' | 'T';

export interface Target {
  label: string;
  dialect: Dialect;
  /** One endpoint per node clients connect to (one, unless the scenario spreads clients). */
  endpoints: Endpoint[];
  /** Every process whose CPU counts for this target. */
  processes: Record<string, BenchProcess>;
  /** The chat server process(es) whose heap is read. */
  servers: BenchProcess[];
  /** `count` signed-in users, made before connecting (T only: it needs sign-in). */
  signIn?: (count: number) => Promise<SignedIn[]>;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Core for the server processes (taskset), when available. */
  core: number | undefined;
  /** Run T from dist/ (as `npm start` does) rather than from the sources through tsx. */
  built: boolean;
  /** Extra Node options for T's processes, such as `--cpu-prof`. */
  nodeArgs?: string[];
  /** A folder for the output of each of T's processes (`--trace-gc` prints there). */
  logDir?: string;
}

const PROBE = ['--expose-gc', '--require', './bench/servers/probe.cjs'];
const TSX = ['--import', 'tsx'];

/**
 * T's settings for the bench: production defaults, except the per-connection rate limits,
 * which would otherwise stop one bench sender at 5 messages/s, the per-address caps, as
 * every bench client comes from 127.0.0.1, and the password hash cost (sign-in.ts). Clients
 * sign in with accounts of their own; guests are on for the cluster bench, which signs them in.
 */
export function chatEnv(port: number, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'production',
    PORT: String(port),
    HOST: '127.0.0.1',
    CLIENT: 'off',
    RATE_LIMIT_PER_SEC: '1000000',
    RATE_LIMIT_BURST: '1000000',
    EVENT_RATE_PER_SEC: '1000000',
    EVENT_BURST: '1000000',
    MAX_CONNECTIONS_PER_ADDRESS: '10000000',
    GUESTS_PER_HOUR_PER_ADDRESS: '1000000',
    SIGNUPS_PER_HOUR_PER_ADDRESS: '1000000',
    ROOMS_PER_HOUR_PER_ADDRESS: '1000000',
    GUESTS: 'true',
    // Sign-up happens before the clock; the lowest hash cost keeps it to seconds.
    SCRYPT_COST: '10',
    METRICS_PORT: '0',
    ...extra,
  };
}

const signInAt = (port: number) => (count: number) =>
  newAccounts(`http://127.0.0.1:${port}`, count);

const local = (port: number): Endpoint => ({ host: '127.0.0.1', port, tls: false });

/** T alone as users run it (SQLite in a data folder of its own), on a free port. */
export async function startChatNode(
  name: string,
  options: StartOptions,
  extra: Record<string, string> = {},
): Promise<{ process: BenchProcess; port: number }> {
  const port = await freePort();
  const entry = options.built ? ['dist/server/src/main.js'] : [...TSX, 'server/src/main.ts'];
  const proc = new BenchProcess(
    name,
    process.execPath,
    [...PROBE, ...(options.nodeArgs ?? []), ...entry],
    // As users run it: SQLite on one node, in a data folder of its own.
    chatEnv(port, { DATA_DIR: mkdtempSync(join(tmpdir(), 'chat-bench-data-')), ...extra }),
    options.core,
    true,
    options.logDir === undefined ? undefined : join(options.logDir, `${name}-${port}.log`),
  );
  await proc.waitForHttp(`http://127.0.0.1:${port}/readyz`, 200);
  return { process: proc, port };
}

async function startScript(name: string, script: string, options: StartOptions) {
  const port = await freePort();
  const proc = new BenchProcess(
    name,
    process.execPath,
    [...PROBE, ...TSX, script],
    { NODE_ENV: 'production', PORT: String(port) },
    options.core,
    true,
  );
  await proc.waitForLine((l) => l.includes('listening'));
  return { process: proc, port };
}

/** One server alone: F, U or T (with `env` on top of `chatEnv`'s). */
export async function startServer(
  name: ServerName,
  options: StartOptions,
  env: Record<string, string> = {},
): Promise<Target> {
  const started =
    name === 'F'
      ? await startScript('F', 'bench/servers/floor.ts', options)
      : name === 'U'
        ? await startScript('U', 'bench/servers/usual.ts', options)
        : await startChatNode('T', options, env);
  const dialect = dialects[name === 'F' ? 'floor' : name === 'U' ? 'usual' : 'chat'];
  return {
    label: name,
    dialect,
    endpoints: [local(started.port)],
    processes: { [name]: started.process },
    servers: [started.process],
    ...(name === 'T' ? { signIn: signInAt(started.port) } : {}),
    stop: () => started.process.stop(),
  };
}

/** redis-server for the cluster scenarios, on a free loopback port, persistence off. */
async function startRedis(
  core: number | undefined,
): Promise<{ process: BenchProcess; url: string }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bench-redis-'));
  // prettier-ignore
  const proc = new BenchProcess('redis', 'redis-server', [
    '--port', String(port), '--bind', '127.0.0.1', '--dir', dir,
    '--save', '', '--appendonly', 'no', '--daemonize', 'no',
  ], {}, core);
  await proc.waitForLine((l) => l.includes('Ready to accept connections'));
  return { process: proc, url: `redis://127.0.0.1:${port}` };
}

/** T on two nodes sharing broadcasts and history through one redis-server. */
export async function startCluster(
  adapter: 'classic' | 'sharded',
  options: StartOptions,
): Promise<Target> {
  const redis = await startRedis(options.core);
  const env = { REDIS_URL: redis.url, REDIS_ADAPTER: adapter };
  const nodes = await Promise.all([
    startChatNode('T-a', options, env),
    startChatNode('T-b', options, env),
  ]);
  const [a, b] = nodes;
  return {
    label: `T×2 ${adapter}`,
    dialect: dialects.chat,
    endpoints: [local(a.port), local(b.port)],
    processes: { nodeA: a.process, nodeB: b.process, redis: redis.process },
    servers: [a.process, b.process],
    // The nodes share accounts through Redis: a session made on one works on both.
    signIn: signInAt(a.port),
    stop: async () => {
      await Promise.all([a.process.stop(), b.process.stop()]);
      await redis.process.stop();
    },
  };
}

/** T behind HAProxy with the deployment's own haproxy.cfg: TLS on the client side. */
export async function startBehindHaproxy(
  options: StartOptions & { haproxyCore: number | undefined },
): Promise<Target> {
  const node = await startChatNode('T', options);
  const [httpPort, httpsPort] = [await freePort(), await freePort()];
  const app = `127.0.0.1:${node.port}`;
  const haproxy = new BenchProcess(
    'haproxy',
    process.env.HAPROXY_PATH ?? 'haproxy',
    ['-db', '-f', 'haproxy/haproxy.cfg'],
    {
      HAPROXY_HTTP_BIND: `127.0.0.1:${httpPort}`,
      HAPROXY_HTTPS_BIND: `127.0.0.1:${httpsPort}`,
      HAPROXY_HTTPS_PORT: String(httpsPort),
      HAPROXY_CERT: await localCertificate(),
      // The config names three servers; all three are this one node.
      APP1_ADDR: app,
      APP2_ADDR: app,
      APP3_ADDR: app,
    },
    options.haproxyCore,
  );
  await haproxy.waitForHttp(`http://127.0.0.1:${httpPort}/`, 301);
  return {
    label: 'T via HAProxy',
    dialect: dialects.chat,
    // HAProxy first (S1 connects there); the node itself second, for S5's direct half.
    endpoints: [{ host: '127.0.0.1', port: httpsPort, tls: true }, local(node.port)],
    processes: { T: node.process, haproxy },
    servers: [node.process],
    signIn: signInAt(node.port),
    stop: async () => {
      await haproxy.stop();
      await node.process.stop();
    },
  };
}
