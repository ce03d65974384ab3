// What the servers behind the chat nodes did over one measured step of the cluster bench,
// per message stored: the redis-servers (CPU from /proc, commands and bytes from INFO net of
// an idle window's background, and the bytes each node's sharded subscriber read) and
// PostgreSQL (its processes' CPU from /proc, its WAL from pg_current_wal_lsn() and pg_waldump).
import type pg from 'pg';
import type { PostgresProcess } from '../../scripts/lib/processes.js';
import type { RedisCluster } from '../../scripts/lib/redis-cluster.js';
import { CpuMeter, round, treeCpuMicros } from './measure.js';
import {
  statementCounts,
  statementsBetween,
  walBytesBetween,
  walPosition,
  walStats,
  type WalStats,
} from './postgres-stats.js';
import {
  bytesReceivedByPid,
  diffCounters,
  sumCounters,
  totalCalls,
  type RedisCounters,
  type RedisProbe,
} from './redis-stats.js';

/** The Redis Cluster the steps share, and what reads its counters. */
export interface RedisRig {
  cluster: RedisCluster;
  roles: { primaries: number[]; replicas: number[] };
  probe: RedisProbe;
}

/** What the redis-servers did per message over a step. */
export interface RedisWindow {
  /** CPU used over the step, in µs: the primaries together, the replicas together. */
  redisCpuMicros: { primaries: number; replicas: number };
  redisMicrosPerMessage: { primaries: number; replicas: number };
  /** Redis commands per message, net of the idle background; primaries by command too. */
  opsPerMessage: { primaries: number; replicas: number; byCommand: Record<string, number> };
  /** Bytes per message in and out of all six redis-servers, net of background; replication's share. */
  bytesPerMessage: { in: number; out: number; replicationIn: number; replicationOut: number };
  /** The primaries' `used_memory` growth per stored message, bytes (expiring dedup keys and allocator noise included). */
  memoryPerMessage: number;
  /** Bytes each node's sharded subscriber read per message: the cross-node traffic. */
  subscriberBytesPerMessage: { nodeA: number; nodeB: number };
  /** Redis's background while idle: commands and bytes (in + out) per second, all six. */
  background: { opsPerSec: number; bytesPerSec: number };
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Measures Redis's background for `idleSeconds` (nothing sent), then starts the step's
 * window; `stop` ends it. Cluster gossip is on its own bus and not counted; ioredis's slot
 * refreshes and presence heartbeats are. Each reading's own reply (INFO's text) lands in
 * the next window: two readings back to back measure it, and it is taken off every window once.
 */
export async function redisWindow(
  rig: RedisRig,
  idleSeconds: number,
  nodePids: { nodeA: number; nodeB: number },
): Promise<{ stop: (messages: number) => Promise<RedisWindow> }> {
  const { probe, roles, cluster } = rig;
  const delta = (
    from: Map<number, RedisCounters>,
    to: Map<number, RedisCounters>,
    ports = [...roles.primaries, ...roles.replicas],
  ) =>
    sumCounters(
      ports.map((p) => diffCounters(from.get(p) as RedisCounters, to.get(p) as RedisCounters)),
    );
  const probe0 = await probe.counters();
  const idle0 = await probe.counters();
  const own = delta(probe0, idle0);
  const idleStarted = performance.now();
  await wait(idleSeconds * 1000);
  const idle1 = await probe.counters();
  const idleElapsed = (performance.now() - idleStarted) / 1000;
  const idleAll = delta(idle0, idle1);
  const idle = {
    ...idleAll,
    netIn: Math.max(0, idleAll.netIn - own.netIn),
    netOut: Math.max(0, idleAll.netOut - own.netOut),
  };

  const subscribers = await probe.subscriberPorts(roles.primaries);
  const redisPid = (port: number): number => cluster.nodes.find((n) => n.port === port)?.pid ?? 0;
  const meter = new CpuMeter({
    ...Object.fromEntries(roles.primaries.map((p) => [`p${p}`, redisPid(p)])),
    ...Object.fromEntries(roles.replicas.map((p) => [`r${p}`, redisPid(p)])),
  });
  const subBefore = await bytesReceivedByPid(subscribers);
  const before = await probe.counters();
  const windowStarted = performance.now();
  meter.start();

  const stop = async (messages: number): Promise<RedisWindow> => {
    const cpu = meter.stop();
    const after = await probe.counters();
    const windowSeconds = (performance.now() - windowStarted) / 1000;
    const subAfter = await bytesReceivedByPid(subscribers);
    const primaries = delta(before, after, roles.primaries);
    const replicas = delta(before, after, roles.replicas);
    const all = sumCounters([primaries, replicas]);
    all.netIn -= own.netIn;
    all.netOut -= own.netOut;
    const scale = windowSeconds / idleElapsed;
    const perMessage = (x: number, digits = 1) => round(x / Math.max(1, messages), digits);
    const idleShare = (ports: number[]) => totalCalls(delta(idle0, idle1, ports)) * scale;
    const byCommand: Record<string, number> = {};
    for (const [name, n] of Object.entries(primaries.calls)) {
      const net = n - (idle.calls[name] ?? 0) * scale;
      if (net / Math.max(1, messages) >= 0.005) byCommand[name] = perMessage(net, 2);
    }
    const cpuOf = (prefix: string) =>
      Object.entries(cpu)
        .filter(([k]) => k.startsWith(prefix))
        .reduce((n, [, c]) => n + c.cpuMicros, 0);
    const read = (pid: number) => (subAfter.get(pid) ?? 0) - (subBefore.get(pid) ?? 0);
    return {
      redisCpuMicros: { primaries: cpuOf('p'), replicas: cpuOf('r') },
      redisMicrosPerMessage: {
        primaries: perMessage(cpuOf('p')),
        replicas: perMessage(cpuOf('r')),
      },
      opsPerMessage: {
        primaries: perMessage(Math.max(0, totalCalls(primaries) - idleShare(roles.primaries)), 2),
        replicas: perMessage(Math.max(0, totalCalls(replicas) - idleShare(roles.replicas)), 2),
        byCommand,
      },
      bytesPerMessage: {
        in: perMessage(Math.max(0, all.netIn - idle.netIn * scale)),
        out: perMessage(Math.max(0, all.netOut - idle.netOut * scale)),
        replicationIn: perMessage(Math.max(0, all.replIn - idle.replIn * scale)),
        replicationOut: perMessage(Math.max(0, all.replOut - idle.replOut * scale)),
      },
      memoryPerMessage: perMessage(primaries.usedMemory),
      subscriberBytesPerMessage: {
        nodeA: perMessage(read(nodePids.nodeA)),
        nodeB: perMessage(read(nodePids.nodeB)),
      },
      background: {
        opsPerSec: round(totalCalls(idle) / idleElapsed),
        bytesPerSec: round((idle.netIn + idle.netOut) / idleElapsed),
      },
    };
  };
  return { stop };
}

/** MEMORY USAGE of rooms' message streams over their lengths, bytes: a stored message. */
export async function streamBytesPerMessage(rig: RedisRig, rooms: number): Promise<number> {
  let bytes = 0;
  let entries = 0;
  for (let i = 0; i < Math.min(rooms, 10); i++) {
    const key = `chat:{room${i}}:log`;
    const { port } = await rig.cluster.primaryOf(key);
    bytes += Number(await rig.probe.call(port, 'MEMORY', 'USAGE', key, 'SAMPLES', 0));
    entries += Number(await rig.probe.call(port, 'XLEN', key));
  }
  return round(bytes / Math.max(1, entries));
}

/** The PostgreSQL server the steps share, and a connection that reads its WAL position. */
export interface PostgresRig {
  server: PostgresProcess;
  client: pg.Client;
}

/** What PostgreSQL did per message over a step. */
export interface PostgresWindow {
  /** CPU of every postgres process (the postmaster and all it forked, /proc), µs. */
  cpuMicros: number;
  microsPerMessage: number;
  /** WAL written per message: the pg_current_wal_lsn() difference over messages, bytes. */
  walBytesPerMessage: number;
  /**
   * From pg_waldump over the same range (null when it could not read it): WAL records, commit
   * records (transactions that wrote) and full-page-image bytes, per message; and the
   * records and bytes of each kind that comes to 0.05 a message or more.
   */
  walRecordsPerMessage: number | null;
  commitsPerMessage: number | null;
  fpiBytesPerMessage: number | null;
  walByKind: Record<string, { records: number; bytes: number }> | null;
  /** Statements run per message in the step's database (pg_stat_statements), all of them. */
  statementsPerMessage: number;
  /**
   * Those run 0.05 times a message or more: the normalised text, calls and WAL bytes per
   * message (BEGIN and COMMIT included: a transaction of several statements shows as them).
   */
  statements: { query: string; calls: number; walBytes: number }[];
}

const pidOf = (server: PostgresProcess): number => {
  if (server.pid === undefined) throw new Error('postgres is not running');
  return server.pid;
};

/** Starts a step's window on PostgreSQL; `stop` ends it. */
export async function postgresWindow(
  rig: PostgresRig,
  database: string,
): Promise<{ stop: (messages: number) => Promise<PostgresWindow> }> {
  const pid = pidOf(rig.server);
  const counted = await statementCounts(rig.client, database);
  const from = await walPosition(rig.client);
  const cpu0 = treeCpuMicros(pid);
  const stop = async (messages: number): Promise<PostgresWindow> => {
    const cpuMicros = treeCpuMicros(pid) - cpu0;
    const to = await walPosition(rig.client);
    const ran = statementsBetween(counted, await statementCounts(rig.client, database));
    const bytes = await walBytesBetween(rig.client, from, to);
    const stats = await walStats(rig.server.dir, from, to).catch(() => undefined);
    const per = (x: number, digits = 1) => round(x / Math.max(1, messages), digits);
    return {
      cpuMicros,
      microsPerMessage: per(cpuMicros),
      walBytesPerMessage: per(bytes),
      walRecordsPerMessage: stats ? per(stats.records, 2) : null,
      commitsPerMessage: stats ? per(stats.commits, 2) : null,
      fpiBytesPerMessage: stats ? per(stats.fpiBytes) : null,
      walByKind: stats ? kindsPerMessage(stats, messages) : null,
      statementsPerMessage: per(
        ran.reduce((n, q) => n + q.calls, 0),
        2,
      ),
      statements: ran
        .filter((q) => q.calls / Math.max(1, messages) >= 0.05)
        .map((q) => ({
          query: q.query.replace(/\s+/g, ' ').trim(),
          calls: per(q.calls, 2),
          walBytes: per(q.walBytes, 1),
        })),
    };
  };
  return { stop };
}

function kindsPerMessage(stats: WalStats, messages: number) {
  const out: Record<string, { records: number; bytes: number }> = {};
  for (const [name, k] of Object.entries(stats.byKind)) {
    const records = k.records / Math.max(1, messages);
    if (records < 0.05) continue;
    out[name] = {
      records: round(records, 2),
      bytes: round((k.bytes + k.fpiBytes) / Math.max(1, messages), 1),
    };
  }
  return out;
}
