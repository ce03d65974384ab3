// A real Redis Cluster of local redis-server processes: primaries with one replica each,
// created with `redis-cli --cluster create` like an operator would. Used by
// `npm run cluster -- --redis cluster` and by the tests.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { RedisProcess } from './processes.js';

export interface RedisClusterOptions {
  /** Primaries, each owning an equal share of the 16,384 slots. Default 3. */
  primaries?: number;
  /**
   * How long a node may stop answering before its peers fail it over, in ms (Redis's
   * `cluster-node-timeout`). Default 1,000: a failover within about two seconds.
   */
  nodeTimeoutMs?: number;
  /** Append-only file on every node, so that a restarted node keeps its data. Default true. */
  appendonly?: boolean;
  /**
   * The nodes' ports (primaries × 2 of them), each with its cluster bus on port + 10000 as
   * Redis has it by default. Default: free ports, buses on free ports too.
   */
  ports?: number[];
  /**
   * A folder kept across runs: each node's data in `node-<port>` under it. A cluster found
   * there (every node has its nodes.conf) is started again as it was, not created afresh.
   */
  dir?: string;
}

/** One node as `CLUSTER NODES` describes it. */
export interface ClusterNodeInfo {
  id: string;
  port: number;
  role: 'primary' | 'replica';
  /** For a replica, the id of its primary. */
  primaryId?: string;
  /** Marked failed (`fail`) by the cluster. */
  failed: boolean;
  /** Slot ranges [first, last] a primary serves. */
  slots: [number, number][];
}

const run = promisify(execFile);

/** Parses `CLUSTER NODES` (one line per node; see the Redis documentation of the command). */
export function parseClusterNodes(text: string): ClusterNodeInfo[] {
  return text
    .trim()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [id = '', address = '', flags = '', primary = '-', , , , , ...slots] = line.split(' ');
      const flagList = flags.split(',');
      const port = Number(address.slice(address.lastIndexOf(':') + 1).split('@')[0]);
      return {
        id,
        port,
        role: flagList.includes('master') ? ('primary' as const) : ('replica' as const),
        ...(primary !== '-' ? { primaryId: primary } : {}),
        failed: flagList.includes('fail') || flagList.includes('fail?'),
        slots: slots
          .filter((s) => !s.startsWith('['))
          .map((s) => {
            const [first, last = first] = s.split('-');
            return [Number(first), Number(last)] as [number, number];
          }),
      };
    });
}

async function ask<T>(port: number, work: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis(port, '127.0.0.1', {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  try {
    await client.connect();
    return await work(client);
  } finally {
    client.disconnect();
  }
}

/** Polls `check` (a readiness probe) until it holds, or fails with `what` after `timeoutMs`. */
async function until(check: () => Promise<boolean>, what: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 20; ; delay = Math.min(delay * 2, 250)) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`redis cluster: ${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

/** Primaries and their replicas as processes of this machine, on free loopback ports. */
export class RedisCluster {
  readonly nodes: RedisProcess[];
  private readonly primaries: number;

  constructor(options: RedisClusterOptions = {}) {
    this.primaries = options.primaries ?? 3;
    const nodeTimeoutMs = options.nodeTimeoutMs ?? 1000;
    const { ports, dir } = options;
    if (ports && ports.length !== this.primaries * 2) {
      throw new Error(`redis cluster: ${this.primaries * 2} ports needed, ${ports.length} given`);
    }
    this.nodes = Array.from({ length: this.primaries * 2 }, (_, i) => {
      const port = ports?.[i];
      const nodeDir =
        dir === undefined || port === undefined ? undefined : join(dir, `node-${port}`);
      if (nodeDir) mkdirSync(nodeDir, { recursive: true });
      return new RedisProcess({
        appendonly: options.appendonly ?? true,
        ...(port === undefined ? {} : { port }),
        ...(nodeDir === undefined ? {} : { dir: nodeDir }),
        cluster: { nodeTimeoutMs, ...(port === undefined ? {} : { busPort: port + 10_000 }) },
      });
    });
  }

  /** `host:port,...` of every node, the form REDIS_CLUSTER_NODES takes. */
  get seeds(): string {
    return this.nodes.map((n) => `127.0.0.1:${n.port}`).join(',');
  }

  /**
   * Starts every process, creates the cluster (unless its nodes already form one, from an
   * earlier run in the same folders) and resolves once it serves every slot.
   */
  async start(): Promise<void> {
    const formed = this.nodes.every((n) => existsSync(join(n.dir, 'nodes.conf')));
    await Promise.all(this.nodes.map((n) => n.start()));
    if (formed) {
      await this.healthy();
      return;
    }
    await run('redis-cli', [
      '--cluster',
      'create',
      ...this.nodes.map((n) => `127.0.0.1:${n.port}`),
      '--cluster-replicas',
      '1',
      '--cluster-yes',
    ]);
    await this.healthy();
  }

  /**
   * Resolves once every running node sees the cluster as ok, with every slot served by a
   * primary that has a replica in sync: the state in which a primary may die without loss.
   * With `replicas: false`, once every slot is served again (after a failover, a promoted
   * replica is a primary without a replica of its own until its old primary returns).
   */
  async healthy(timeoutMs = 30_000, { replicas = true } = {}): Promise<void> {
    await until(
      async () => {
        const running = this.nodes.filter((n) => n.running);
        const states = await Promise.all(
          running.map((n) => ask(n.port, (c) => c.call('CLUSTER', 'INFO') as Promise<string>)),
        );
        if (!states.every((s) => s.includes('cluster_state:ok'))) return false;
        const topology = await this.topology();
        const primaries = topology.filter((n) => n.role === 'primary' && !n.failed);
        if (primaries.filter((p) => p.slots.length > 0).length !== this.primaries) return false;
        if (!replicas) return true;
        for (const primary of primaries.filter((p) => p.slots.length > 0)) {
          const replicas = topology.filter((n) => n.primaryId === primary.id && !n.failed);
          if (replicas.length === 0) return false;
          const links = await Promise.all(
            replicas.map((r) => ask(r.port, (c) => c.info('replication'))),
          );
          if (!links.some((info) => info.includes('master_link_status:up'))) return false;
        }
        return true;
      },
      replicas ? 'every slot served by a primary with a replica in sync' : 'every slot served',
      timeoutMs,
    );
  }

  /**
   * Resolves once `dead` (a primary that was stopped) is marked failed by the others and
   * every slot is served by a live primary: its replica has taken over.
   */
  async failedOver(dead: RedisProcess, timeoutMs = 30_000): Promise<void> {
    await until(
      async () => {
        const topology = await this.topology();
        const gone = topology.find((n) => n.port === dead.port);
        if (gone && !gone.failed && gone.slots.length > 0) return false;
        const live = topology.filter(
          (n) => n.role === 'primary' && !n.failed && n.port !== dead.port,
        );
        const served = live.reduce(
          (total, n) => total + n.slots.reduce((sum, [a, b]) => sum + b - a + 1, 0),
          0,
        );
        return served === 16_384;
      },
      `a replica took over from port ${dead.port}`,
      timeoutMs,
    );
  }

  /** The cluster as a running node sees it. */
  async topology(): Promise<ClusterNodeInfo[]> {
    const node = this.nodes.find((n) => n.running);
    if (!node) throw new Error('redis cluster: no node running');
    return parseClusterNodes(
      await ask(node.port, (c) => c.call('CLUSTER', 'NODES') as Promise<string>),
    );
  }

  /** The process of the primary that serves `key`'s slot right now. */
  async primaryOf(key: string): Promise<RedisProcess> {
    const node = this.nodes.find((n) => n.running);
    if (!node) throw new Error('redis cluster: no node running');
    const slot = await ask(node.port, (c) => c.call('CLUSTER', 'KEYSLOT', key) as Promise<number>);
    const owner = (await this.topology()).find(
      (n) => n.role === 'primary' && !n.failed && n.slots.some(([a, b]) => slot >= a && slot <= b),
    );
    const process = this.nodes.find((n) => n.port === owner?.port);
    if (!process) throw new Error(`redis cluster: no primary serves slot ${slot}`);
    return process;
  }

  /** The process of a replica of `primary`. */
  async replicaOf(primary: RedisProcess): Promise<RedisProcess> {
    const topology = await this.topology();
    const id = topology.find((n) => n.port === primary.port)?.id;
    const replica = topology.find((n) => n.primaryId === id && !n.failed);
    const process = this.nodes.find((n) => n.port === replica?.port);
    if (!process) throw new Error(`redis cluster: no replica of port ${primary.port}`);
    return process;
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()));
  }
}
