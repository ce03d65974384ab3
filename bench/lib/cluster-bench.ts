// Two chat nodes on a real three-primary Redis Cluster (each primary with a replica), as
// deployed: the sharded adapter, messages stored by Lua and, with REDIS_ACK_REPLICAS=1, acked
// only once a replica holds them (WAIT). The same load runs with REDIS_ACK_REPLICAS=1 and =0,
// alternately, for several rounds: the difference is what the acknowledgement policy costs.
// Around each measured step: the sender's ack latency, the chat nodes' and redis-servers' CPU
// (/proc), Redis commands and bytes (INFO, net of an idle window's background), and the bytes
// each node's sharded subscriber read (the cross-node traffic).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { RedisCluster } from '../../scripts/lib/redis-cluster.js';
import type { BenchClient } from '../load/client.js';
import { dialects } from '../load/dialect.js';
import { Fleet, type ClientSpec } from '../load/fleet.js';
import { CpuMeter, round, type LatencySummary } from './measure.js';
import { hasTaskset, pinPid, pinSelf, stopAll } from './processes.js';
import {
  RedisProbe,
  bytesReceivedByPid,
  diffCounters,
  sumCounters,
  totalCalls,
  type RedisCounters,
} from './redis-stats.js';
import { guestSessions } from './sign-in.js';
import { startChatNode } from './targets.js';

export interface ClusterProfile {
  name: 'full' | 'quick' | 'tiny';
  /** Rooms of `members`, half of each room on each node. */
  rooms: number;
  members: number;
  /** Senders per room, all on node A, so that node B's work is receiving only. */
  sendersPerRoom: number;
  /** Messages per second, all rooms together: fixed and sustainable on this machine. */
  rate: number;
  seconds: number;
  /** Unrecorded load before each measured step, in seconds. */
  warmupSeconds: number;
  /** An idle window before each step, to measure Redis's background traffic, in seconds. */
  idleSeconds: number;
  /** Pairs of runs (REDIS_ACK_REPLICAS=1, then =0, or the other way round). */
  rounds: number;
  sampleStride: number;
}

export const clusterProfiles: Record<ClusterProfile['name'], ClusterProfile> = {
  // The S4/S3 load of bench/lib/profile.ts (100 rooms of 50, 500 messages/s), so that the
  // node CPU the model predicts from S4 can be compared with what this run measures.
  full: {
    name: 'full',
    rooms: 100,
    members: 50,
    sendersPerRoom: 5,
    rate: 500,
    seconds: 10,
    warmupSeconds: 3,
    idleSeconds: 5,
    rounds: 4,
    sampleStride: 9,
  },
  quick: {
    name: 'quick',
    rooms: 20,
    members: 20,
    sendersPerRoom: 2,
    rate: 200,
    seconds: 2,
    warmupSeconds: 1,
    idleSeconds: 1,
    rounds: 1,
    sampleStride: 9,
  },
  tiny: {
    name: 'tiny',
    rooms: 2,
    members: 4,
    sendersPerRoom: 1,
    rate: 20,
    seconds: 0.5,
    warmupSeconds: 0.2,
    idleSeconds: 0.2,
    rounds: 1,
    sampleStride: 3,
  },
};

export interface ClusterRun {
  round: number;
  ackReplicas: 0 | 1;
  sent: number;
  acked: number;
  refused: number;
  unacked: number;
  expectedDeliveries: number;
  deliveries: number;
  lost: number;
  seconds: number;
  /** Acked messages per second, and deliveries per second, over the step. */
  ackedPerSec: number;
  deliveredPerSec: number;
  /** The sender's ack round trip (send to ack), every send. */
  ack: LatencySummary;
  /** Send to receipt, sampled recipients. */
  delivery: LatencySummary;
  /** CPU used over the step, in µs: each chat node, and the primaries and replicas together. */
  cpuMicros: { nodeA: number; nodeB: number; primaries: number; replicas: number };
  /** Both nodes' CPU per delivery, µs. */
  nodeMicrosPerDelivery: number;
  /** Each node's CPU per message, µs (node A holds every sender). */
  nodeMicrosPerMessage: { nodeA: number; nodeB: number };
  /** Recipients of each message on each node. */
  membersPerMessage: { nodeA: number; nodeB: number };
  redisMicrosPerMessage: { primaries: number; replicas: number };
  /** Redis commands per message, net of the idle background; primaries by command too. */
  opsPerMessage: { primaries: number; replicas: number; byCommand: Record<string, number> };
  /** Bytes per message in and out of all six redis-servers, net of background; replication's share. */
  bytesPerMessage: { in: number; out: number; replicationIn: number; replicationOut: number };
  /** The primaries' `used_memory` growth per stored message, bytes (expiring dedup keys and allocator noise included). */
  memoryPerMessage: number;
  /** MEMORY USAGE of rooms' message streams over their lengths, bytes: a stored message. */
  storedBytesPerMessage: number;
  /** Bytes each node's sharded subscriber read per message: the cross-node traffic. */
  subscriberBytesPerMessage: { nodeA: number; nodeB: number };
  /** Redis's background while idle: commands and bytes (in + out) per second, all six. */
  background: { opsPerSec: number; bytesPerSec: number };
  /** The machine's 1-minute load average before and after the run (other work shows here). */
  loadAverage: [number, number];
}

export interface ClusterBenchResults {
  profile: ClusterProfile['name'];
  date: string;
  machine: { cpu: string; cores: number; node: string; redis: string; pinned: boolean };
  layout: Omit<ClusterProfile, 'name'> & { nodes: 2; primaries: 3; replicasPerPrimary: 1 };
  runs: ClusterRun[];
  /** A stored message's memory, the median of the runs' `storedBytesPerMessage`, bytes. */
  storedBytesPerMessage: number;
  /** Medians over the rounds, per policy. */
  summary: Record<'ack1' | 'ack0', ClusterSummary>;
  seconds: number;
}

export interface ClusterSummary {
  runs: number;
  ackP50Ms: number;
  ackP99Ms: number;
  deliveryP99Ms: number;
  ackedPerSec: number;
  deliveredPerSec: number;
  nodeMicrosPerDelivery: number;
  nodeMicrosPerMessage: { nodeA: number; nodeB: number };
  redisMicrosPerMessage: { primaries: number; replicas: number };
  opsPerMessage: { primaries: number; replicas: number };
  bytesPerMessage: { in: number; out: number; replicationIn: number; replicationOut: number };
  memoryPerMessage: number;
  subscriberBytesPerMessage: { nodeA: number; nodeB: number };
  lost: number;
  refused: number;
}

export interface ClusterBenchOptions {
  profile: ClusterProfile;
  built: boolean;
  cores: { server: number | undefined; generator: number | undefined };
  log: (line: string) => void;
}

const loadAverage = (): number => Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length === 0
    ? 0
    : s.length % 2
      ? (s[mid] ?? 0)
      : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};

/** The load: half of each room on each node, the senders on node A. */
function layout(profile: ClusterProfile, endpoints: ClientSpec['endpoint'][], sessions: string[]) {
  const count = profile.rooms * profile.members;
  return Array.from({ length: count }, (_, i): ClientSpec => {
    const node = Math.floor(i / profile.rooms) % 2;
    return {
      room: `room${i % profile.rooms}`,
      group: node === 0 ? 'a' : 'b',
      endpoint: endpoints[node] as ClientSpec['endpoint'],
      ...(sessions[i] === undefined ? {} : { session: sessions[i] }),
    };
  });
}

function pickSenders(clients: BenchClient[], perRoom: number): BenchClient[] {
  const byRoom = new Map<string, BenchClient[]>();
  for (const c of clients) {
    if (c.group !== 'a') continue;
    const list = byRoom.get(c.room) ?? [];
    if (list.length < perRoom) list.push(c);
    byRoom.set(c.room, list);
  }
  return [...byRoom.values()].flat();
}

async function oneRun(
  cluster: RedisCluster,
  roles: { primaries: number[]; replicas: number[] },
  probe: RedisProbe,
  ackReplicas: 0 | 1,
  pass: number,
  options: ClusterBenchOptions,
): Promise<ClusterRun> {
  const { profile } = options;
  const loadBefore = loadAverage();
  const env = {
    REDIS_CLUSTER_NODES: cluster.seeds,
    REDIS_ADAPTER: 'sharded',
    REDIS_ACK_REPLICAS: String(ackReplicas),
  };
  const start = { core: options.cores.server, built: options.built };
  const [a, b] = await Promise.all([
    startChatNode('T-a', start, env),
    startChatNode('T-b', start, env),
  ]);
  const fleet = new Fleet(dialects.chat, profile.sampleStride);
  try {
    const endpoints = [a.port, b.port].map((port) => ({ host: '127.0.0.1', port, tls: false }));
    const count = profile.rooms * profile.members;
    const sessions = await guestSessions(`http://127.0.0.1:${a.port}`, count);
    const connect = await fleet.connect(layout(profile, endpoints, sessions), 100);
    if (connect.failed > 0) {
      throw new Error(`${connect.failed} of ${count} clients failed: ${connect.firstError ?? ''}`);
    }
    const senders = pickSenders(fleet.clients, profile.sendersPerRoom);
    await fleet.load(senders, profile.rate / 2, profile.warmupSeconds);

    // Background: what Redis does with no message sent (cluster gossip is on its own bus
    // and not counted; ioredis's slot refreshes and presence heartbeats are).
    // Each reading's own reply (INFO's text) lands in the next window: two readings back to
    // back measure it, and it is taken off every window once.
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
    await new Promise((resolve) => setTimeout(resolve, profile.idleSeconds * 1000));
    const idle1 = await probe.counters();
    const idleSeconds = (performance.now() - idleStarted) / 1000;
    const idleAll = delta(idle0, idle1);
    const idle = {
      ...idleAll,
      netIn: Math.max(0, idleAll.netIn - own.netIn),
      netOut: Math.max(0, idleAll.netOut - own.netOut),
    };

    const subscribers = await probe.subscriberPorts(roles.primaries);
    const pidA = a.process.pid;
    const pidB = b.process.pid;
    const redisPid = (port: number): number => cluster.nodes.find((n) => n.port === port)?.pid ?? 0;
    const meter = new CpuMeter({
      nodeA: pidA,
      nodeB: pidB,
      ...Object.fromEntries(roles.primaries.map((p) => [`p${p}`, redisPid(p)])),
      ...Object.fromEntries(roles.replicas.map((p) => [`r${p}`, redisPid(p)])),
    });
    const subBefore = await bytesReceivedByPid(subscribers);
    const before = await probe.counters();
    fleet.resetLatency();
    const windowStarted = performance.now();
    meter.start();
    const report = await fleet.load(senders, profile.rate, profile.seconds);
    const cpu = meter.stop();
    const after = await probe.counters();
    const windowSeconds = (performance.now() - windowStarted) / 1000;
    const subAfter = await bytesReceivedByPid(subscribers);
    for (const p of [a.process, b.process]) {
      if (!p.running) throw new Error(`${p.name} exited during the step:\n${p.tail()}`);
    }
    const storedBytesPerMessage = await streamBytesPerMessage(cluster, probe, profile.rooms);

    const primaries = delta(before, after, roles.primaries);
    const replicas = delta(before, after, roles.replicas);
    const all = sumCounters([primaries, replicas]);
    all.netIn -= own.netIn;
    all.netOut -= own.netOut;
    const scale = windowSeconds / idleSeconds;
    const messages = Math.max(1, report.sent - report.refused);
    const perMessage = (x: number, digits = 1) => round(x / messages, digits);
    const idleShare = (ports: number[]) => totalCalls(delta(idle0, idle1, ports)) * scale;
    const byCommand: Record<string, number> = {};
    for (const [name, n] of Object.entries(primaries.calls)) {
      const net = n - (idle.calls[name] ?? 0) * scale;
      if (net / messages >= 0.005) byCommand[name] = perMessage(net, 2);
    }
    const cpuOf = (prefix: string) =>
      Object.entries(cpu)
        .filter(([k]) => k.startsWith(prefix))
        .reduce((n, [, c]) => n + c.cpuMicros, 0);
    const nodeA = cpu.nodeA?.cpuMicros ?? 0;
    const nodeB = cpu.nodeB?.cpuMicros ?? 0;
    const half = profile.members / 2;
    return {
      round: pass,
      ackReplicas,
      sent: report.sent,
      acked: report.sent - report.refused - report.unacked,
      refused: report.refused,
      unacked: report.unacked,
      expectedDeliveries: report.expectedDeliveries,
      deliveries: report.deliveries,
      lost: report.lost,
      seconds: report.seconds,
      ackedPerSec: Math.round((report.sent - report.refused - report.unacked) / report.seconds),
      deliveredPerSec: report.deliveredPerSec,
      ack: fleet.ackLatency(),
      delivery: fleet.latency(),
      cpuMicros: { nodeA, nodeB, primaries: cpuOf('p'), replicas: cpuOf('r') },
      nodeMicrosPerDelivery: round((nodeA + nodeB) / Math.max(1, report.deliveries), 2),
      nodeMicrosPerMessage: { nodeA: perMessage(nodeA), nodeB: perMessage(nodeB) },
      // The sender is one of node A's half of its room.
      membersPerMessage: { nodeA: Math.ceil(half) - 1, nodeB: Math.floor(half) },
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
      storedBytesPerMessage,
      subscriberBytesPerMessage: {
        nodeA: perMessage((subAfter.get(pidA) ?? 0) - (subBefore.get(pidA) ?? 0)),
        nodeB: perMessage((subAfter.get(pidB) ?? 0) - (subBefore.get(pidB) ?? 0)),
      },
      background: {
        opsPerSec: round(totalCalls(idle) / idleSeconds),
        bytesPerSec: round((idle.netIn + idle.netOut) / idleSeconds),
      },
      loadAverage: [loadBefore, loadAverage()],
    };
  } finally {
    fleet.close();
    await Promise.all([a.process.stop(), b.process.stop()]);
    // Every run starts from an empty cluster: no accounts, rooms or presence of the nodes
    // before it (whose members the next nodes would otherwise announce as gone, mid-step).
    for (const port of roles.primaries) await probe.call(port, 'FLUSHALL');
  }
}

function summarise(runs: ClusterRun[]): ClusterSummary {
  const m = (f: (r: ClusterRun) => number, digits = 1) => round(median(runs.map(f)), digits);
  return {
    runs: runs.length,
    ackP50Ms: m((r) => r.ack.p50, 2),
    ackP99Ms: m((r) => r.ack.p99, 2),
    deliveryP99Ms: m((r) => r.delivery.p99, 2),
    ackedPerSec: m((r) => r.ackedPerSec, 0),
    deliveredPerSec: m((r) => r.deliveredPerSec, 0),
    nodeMicrosPerDelivery: m((r) => r.nodeMicrosPerDelivery, 2),
    nodeMicrosPerMessage: {
      nodeA: m((r) => r.nodeMicrosPerMessage.nodeA),
      nodeB: m((r) => r.nodeMicrosPerMessage.nodeB),
    },
    redisMicrosPerMessage: {
      primaries: m((r) => r.redisMicrosPerMessage.primaries),
      replicas: m((r) => r.redisMicrosPerMessage.replicas),
    },
    opsPerMessage: {
      primaries: m((r) => r.opsPerMessage.primaries, 2),
      replicas: m((r) => r.opsPerMessage.replicas, 2),
    },
    bytesPerMessage: {
      in: m((r) => r.bytesPerMessage.in),
      out: m((r) => r.bytesPerMessage.out),
      replicationIn: m((r) => r.bytesPerMessage.replicationIn),
      replicationOut: m((r) => r.bytesPerMessage.replicationOut),
    },
    memoryPerMessage: m((r) => r.memoryPerMessage),
    subscriberBytesPerMessage: {
      nodeA: m((r) => r.subscriberBytesPerMessage.nodeA),
      nodeB: m((r) => r.subscriberBytesPerMessage.nodeB),
    },
    lost: runs.reduce((n, r) => n + r.lost, 0),
    refused: runs.reduce((n, r) => n + r.refused, 0),
  };
}

function redisVersion(): string {
  const text = spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout;
  return /v=(\S+)/.exec(text)?.[1] ?? 'unknown';
}

async function streamBytesPerMessage(
  cluster: RedisCluster,
  probe: RedisProbe,
  rooms: number,
): Promise<number> {
  let bytes = 0;
  let entries = 0;
  for (let i = 0; i < Math.min(rooms, 10); i++) {
    const key = `chat:{room${i}}:log`;
    const { port } = await cluster.primaryOf(key);
    bytes += Number(await probe.call(port, 'MEMORY', 'USAGE', key, 'SAMPLES', 0));
    entries += Number(await probe.call(port, 'XLEN', key));
  }
  return round(bytes / Math.max(1, entries));
}

export async function runClusterBench(options: ClusterBenchOptions): Promise<ClusterBenchResults> {
  const { profile, log } = options;
  const started = performance.now();
  const pinned = options.cores.generator !== undefined && pinSelf(options.cores.generator);
  const cores = pinned ? options.cores : { server: undefined, generator: undefined };
  // No AOF: persistence is not what is measured, and its fsyncs would add noise to both sides.
  const cluster = new RedisCluster({ appendonly: false });
  await cluster.start();
  for (const n of cluster.nodes) {
    if (n.pid !== undefined && cores.server !== undefined) pinPid(n.pid, cores.server);
  }
  const topology = await cluster.topology();
  const roles = {
    primaries: topology
      .filter((n) => n.role === 'primary' && n.slots.length > 0)
      .map((n) => n.port),
    replicas: topology.filter((n) => n.role === 'replica').map((n) => n.port),
  };
  const probe = new RedisProbe(cluster.nodes.map((n) => n.port));
  const runs: ClusterRun[] = [];
  try {
    for (let pass = 1; pass <= profile.rounds; pass++) {
      // Alternate which policy goes first, so that neither always runs on a warmer cluster.
      const order: (0 | 1)[] = pass % 2 ? [1, 0] : [0, 1];
      for (const ack of order) {
        const run = await oneRun(cluster, roles, probe, ack, pass, { ...options, cores });
        runs.push(run);
        log(
          `round ${pass} REDIS_ACK_REPLICAS=${ack}: ack p50 ${run.ack.p50} ms p99 ${run.ack.p99} ms, ` +
            `${run.nodeMicrosPerDelivery} µs/delivery, ${run.opsPerMessage.primaries} ops/message, ` +
            `subscriber ${run.subscriberBytesPerMessage.nodeB} B/message, lost ${run.lost}`,
        );
      }
    }
  } finally {
    await probe.close();
    await stopAll();
    await cluster.stop();
  }
  const { name: _name, ...rest } = profile;
  return {
    profile: profile.name,
    date: new Date().toISOString(),
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      node: process.version,
      redis: redisVersion(),
      pinned: pinned && hasTaskset,
    },
    layout: { ...rest, nodes: 2, primaries: 3, replicasPerPrimary: 1 },
    runs,
    storedBytesPerMessage: median(runs.map((r) => r.storedBytesPerMessage)),
    summary: {
      ack1: summarise(runs.filter((r) => r.ackReplicas === 1)),
      ack0: summarise(runs.filter((r) => r.ackReplicas === 0)),
    },
    seconds: Math.round((performance.now() - started) / 1000),
  };
}
