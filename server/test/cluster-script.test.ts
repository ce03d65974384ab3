import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { expect, onTestFinished, test } from 'vitest';
import { ErrorCode } from '../../common/contract.js';
import { signInGuest } from './support/accounts.js';
import { connect, joinOk, send } from './support/client.js';
import { parseClusterNodes } from '../../scripts/lib/redis-cluster.js';
import { freePort } from './support/redis.js';

/**
 * A folder for the cluster's data, open to other users: run as root, PostgreSQL runs as the
 * `postgres` user, who must reach its data folder inside (mkdtemp makes folders 0700).
 */
const clusterDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'chat-cluster-'));
  chmodSync(dir, 0o755);
  return dir;
};

/** Whether `port` can be bound on 127.0.0.1 right now. */
const bindable = (port: number) =>
  new Promise<boolean>((resolve) => {
    const probe = createServer();
    probe.once('error', () => {
      resolve(false);
    });
    probe.listen(port, '127.0.0.1', () => {
      probe.close(() => {
        resolve(true);
      });
    });
  });

/** A first port of six free in a row, whose cluster bus ports (+10000) are free too. */
async function freeRedisClusterPorts(): Promise<number> {
  for (;;) {
    const first = 20_000 + Math.floor(Math.random() * 25_000);
    const ports = Array.from({ length: 6 }, (_, i) => first + i);
    const free = await Promise.all([...ports, ...ports.map((p) => p + 10_000)].map(bindable));
    if (free.every(Boolean)) return first;
  }
}

/** `npm run cluster` as a person runs it, on ports of its own; stopped with Ctrl-C. */
async function runCluster(
  env: Record<string, string>,
  args: string[] = [],
  reuse?: Record<'redis' | 'postgres' | 'http' | 'https' | 'stats' | 'node' | 'metrics', number>,
  launcher: 'node' | 'npm' = 'node',
) {
  const onRedisCluster = args.includes('cluster');
  const ports = reuse ?? {
    redis: onRedisCluster ? await freeRedisClusterPorts() : await freePort(),
    postgres: await freePort(),
    http: await freePort(),
    https: await freePort(),
    stats: await freePort(),
    node: await freePort(),
    metrics: await freePort(),
  };
  // Through npm, the pid held is npm's, as a service manager running `npm run cluster` holds it.
  const npm = process.env.npm_execpath;
  const [command, ...start] =
    launcher === 'node'
      ? [process.execPath, '--import', 'tsx', 'scripts/cluster.ts']
      : npm === undefined
        ? ['npm', 'run', 'cluster', '--']
        : [process.execPath, npm, 'run', 'cluster', '--'];
  const child = spawn(
    command,
    [
      ...start,
      '--nodes',
      '1',
      '--dir',
      clusterDir(),
      '--redis-port',
      String(ports.redis),
      '--postgres-port',
      String(ports.postgres),
      '--http-port',
      String(ports.http),
      '--stats-port',
      String(ports.stats),
      '--node-port',
      String(ports.node),
      '--metrics-port',
      String(ports.metrics),
      ...args,
    ],
    // The HTTPS port comes from the environment, the other way to set one.
    { env: { ...process.env, CLUSTER_HTTPS_PORT: String(ports.https), ...env } },
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  onTestFinished(async () => {
    if (child.exitCode === null) child.kill('SIGINT');
    await exited;
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      output += `${line}\n`;
      if (line.startsWith('Chat cluster running')) resolve();
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    void exited.then((code) => {
      reject(new Error(`cluster exited (${String(code)}):\n${output}`));
    });
  });
  return { url: `https://localhost:${ports.https}`, ports, output, child, exited };
}

// On a fresh checkout the script builds the server and page first, which takes a while.
const CLUSTER_TEST_MS = 120_000;

test.each(['SIGTERM', 'SIGINT', 'SIGKILL'] as const)(
  'a %s to the npm process of npm run cluster alone stops everything it started, freeing every port',
  async (signal) => {
    const cluster = await runCluster({}, [], undefined, 'npm');
    const ports = Object.values(cluster.ports);
    expect(await Promise.all(ports.map(bindable))).toEqual(ports.map(() => false));
    // Only npm's own pid, not the process group a terminal's Ctrl-C reaches.
    cluster.child.kill(signal);
    await cluster.exited;
    const deadline = Date.now() + 30_000;
    let free = await Promise.all(ports.map(bindable));
    while (!free.every(Boolean) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100)); // polling the ports, not a wait
      free = await Promise.all(ports.map(bindable));
    }
    expect(Object.fromEntries(Object.keys(cluster.ports).map((k, i) => [k, free[i]]))).toEqual(
      Object.fromEntries(Object.keys(cluster.ports).map((k) => [k, true])),
    );
  },
  CLUSTER_TEST_MS,
);

test(
  'npm run cluster takes its ports from options and the environment, and passes the chat settings to its nodes',
  async () => {
    const a = await runCluster({ GUESTS: 'true', RATE_LIMIT_BURST: '2', RATE_LIMIT_PER_SEC: '1' });
    const b = await runCluster({ GUESTS: 'true' });
    expect(a.output).toContain(`https://localhost:${a.ports.https}`);
    expect(a.output).toContain(`http://127.0.0.1:${a.ports.metrics}/metrics`);
    expect(b.output).toContain(`https://localhost:${b.ports.https}`);

    // Both run side by side; cluster A's nodes got RATE_LIMIT_BURST=2 from its environment.
    const socketOptions = { rejectUnauthorized: false, transports: ['websocket' as const] };
    const [alice, bob] = await Promise.all([
      signInGuest(a.url, 'alice'),
      signInGuest(b.url, 'bob'),
    ]);
    const onA = await connect(a.url, { session: alice.token, ...socketOptions });
    const onB = await connect(b.url, { session: bob.token, ...socketOptions });
    await joinOk(onA, 'general');
    await joinOk(onB, 'general');
    const acks = [];
    for (let i = 0; i < 3; i++) acks.push(await send(onA, 'general', `a${i}`));
    expect(acks.map((ack) => (ack.ok ? 'OK' : ack.error.code))).toEqual([
      'OK',
      'OK',
      ErrorCode.RATE_LIMITED,
    ]);
    for (let i = 0; i < 3; i++) expect((await send(onB, 'general', `b${i}`)).ok).toBe(true);

    // Ctrl-C stops each, promptly and cleanly.
    for (const cluster of [a, b]) {
      cluster.child.kill('SIGINT');
      expect(await cluster.exited).toBe(0);
    }
  },
  CLUSTER_TEST_MS,
);

test(
  'npm run cluster -- --redis cluster runs the nodes on a Redis Cluster of three primaries and three replicas, kept across runs',
  async () => {
    const dir = clusterDir();
    const first = await runCluster({ GUESTS: 'true' }, ['--redis', 'cluster', '--dir', dir]);
    expect(first.output).toContain('sharded adapter');
    expect(first.output).toContain(`cluster 127.0.0.1:${first.ports.redis},`);
    // Six nodes answer, three of them primaries serving every slot, each with a replica.
    const topology = parseClusterNodes(
      execFileSync('redis-cli', ['-p', String(first.ports.redis), 'cluster', 'nodes'], {
        encoding: 'utf8',
      }),
    );
    expect(topology).toHaveLength(6);
    const primaries = topology.filter((n) => n.role === 'primary');
    expect(primaries).toHaveLength(3);
    expect(primaries.flatMap((p) => p.slots).reduce((sum, [a, b]) => sum + b - a + 1, 0)).toBe(
      16_384,
    );
    expect(
      topology
        .filter((n) => n.role === 'replica')
        .map((r) => r.primaryId)
        .sort(),
    ).toEqual(primaries.map((p) => p.id).sort());

    const options = { rejectUnauthorized: false, transports: ['websocket' as const] };
    const alice = await signInGuest(first.url, 'alice');
    const socket = await connect(first.url, { session: alice.token, ...options });
    await joinOk(socket, 'general');
    expect((await send(socket, 'general', 'kept')).ok).toBe(true);
    socket.disconnect();
    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);

    // Started again in the same folder: the same cluster, with its data.
    const again = await runCluster(
      { GUESTS: 'true' },
      ['--redis', 'cluster', '--dir', dir],
      first.ports,
    );
    const bob = await signInGuest(again.url, 'bob');
    const back = await connect(again.url, { session: bob.token, ...options });
    const joined = await joinOk(back, 'general');
    expect(joined.history.map((m) => m.text)).toEqual(['kept']);
    again.child.kill('SIGINT');
    expect(await again.exited).toBe(0);
  },
  CLUSTER_TEST_MS,
);
