// Two chat nodes on a real three-primary Redis Cluster (each primary with a replica), as
// deployed: the sharded adapter and, with the record in Redis, messages stored by Lua and,
// with REDIS_ACK_REPLICAS=1, acked only once a replica holds them (WAIT). The same load runs
// in several steps, in rotation for several rounds: the record in Redis with
// REDIS_ACK_REPLICAS=1 and =0; the record in PostgreSQL (DATABASE_URL, fsync on) with the
// adapter still on the cluster; and one node alone on SQLite. Around each measured step: the
// sender's ack latency, the chat nodes' CPU (/proc), and what the servers behind them did
// (bench/lib/cluster-windows.ts): the redis-servers' CPU, commands and bytes, the bytes each
// node's sharded subscriber read, and PostgreSQL's CPU and WAL.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { cpus } from 'node:os';
import pg from 'pg';
import { PostgresProcess } from '../../scripts/lib/processes.js';
import { RedisCluster } from '../../scripts/lib/redis-cluster.js';
import type { BenchClient } from '../load/client.js';
import { dialects } from '../load/dialect.js';
import { Fleet, type ClientSpec, type LoadReport } from '../load/fleet.js';
import {
  postgresWindow,
  redisWindow,
  streamBytesPerMessage,
  type PostgresRig,
  type PostgresWindow,
  type RedisRig,
  type RedisWindow,
} from './cluster-windows.js';
import { CpuMeter, round, type LatencySummary } from './measure.js';
import { STATEMENT_STATS, postgresSettings, type PostgresSettings } from './postgres-stats.js';
import { hasTaskset, pinPid, pinSelf, pinTree, stopAll } from './processes.js';
import { RedisProbe } from './redis-stats.js';
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
  /** Rounds of every step (REDIS_ACK_REPLICAS=1 and =0, PostgreSQL, SQLite), in rotation. */
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

/** One measured step: which store holds the record, and on how many nodes. */
export type StepName = 'ack1' | 'ack0' | 'postgres' | 'sqlite';

/** What each step runs; the results file repeats it. */
export const STEPS: Record<StepName, string> = {
  ack1: 'two nodes, the record in the Redis Cluster (Lua), REDIS_ACK_REPLICAS=1: WAIT 1 before each ack',
  ack0: 'two nodes, the record in the Redis Cluster (Lua), REDIS_ACK_REPLICAS=0',
  postgres:
    'two nodes, the record in PostgreSQL (DATABASE_URL, a fresh database per step; fsync as recorded), adapter and presence still on the Redis Cluster',
  sqlite:
    'one node, STORE=sqlite on a temporary file, no Redis: node A with its half of each room and every sender; node B and its clients left out',
};

/** The order of the steps in the first round; each later round starts one step further on. */
const ORDER: readonly StepName[] = ['ack1', 'ack0', 'postgres', 'sqlite'];

/** What every step measures: the load, the sender's acks, the chat nodes' CPU. */
export interface StepRun {
  step: StepName;
  round: number;
  nodes: 1 | 2;
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
  /** CPU used over the step by each chat node, in µs (node B 0 when there is one node). */
  cpuMicros: { nodeA: number; nodeB: number };
  /** The nodes' CPU per delivery, µs. */
  nodeMicrosPerDelivery: number;
  /** Each node's CPU per message, µs (node A holds every sender). */
  nodeMicrosPerMessage: { nodeA: number; nodeB: number };
  /** Recipients of each message on each node. */
  membersPerMessage: { nodeA: number; nodeB: number };
  /** The machine's 1-minute load average before and after the run (other work shows here). */
  loadAverage: [number, number];
}

/** A step with the record in the Redis Cluster. */
export interface ClusterRun extends StepRun, RedisWindow {
  step: 'ack1' | 'ack0';
  ackReplicas: 0 | 1;
  /** MEMORY USAGE of rooms' message streams over their lengths, bytes: a stored message. */
  storedBytesPerMessage: number;
}

/** The record in PostgreSQL; Redis still carries the broadcasts and presence. */
export interface PostgresRun extends StepRun, RedisWindow {
  step: 'postgres';
  postgres: PostgresWindow;
}

export interface SqliteRun extends StepRun {
  step: 'sqlite';
}

export type AnyRun = ClusterRun | PostgresRun | SqliteRun;

export interface ClusterBenchResults {
  profile: ClusterProfile['name'];
  date: string;
  machine: {
    cpu: string;
    cores: number;
    node: string;
    redis: string;
    postgres: string;
    pinned: boolean;
  };
  layout: Omit<ClusterProfile, 'name'> & { nodes: 2; primaries: 3; replicasPerPrimary: 1 };
  steps: Record<StepName, string>;
  /** The PostgreSQL server's settings, as it reported them (SHOW). */
  postgres: Omit<PostgresSettings, 'version'>;
  runs: AnyRun[];
  /** A stored message's memory, the median of the runs' `storedBytesPerMessage`, bytes. */
  storedBytesPerMessage: number;
  /** Medians over the rounds, per step. */
  summary: {
    ack1: ClusterSummary;
    ack0: ClusterSummary;
    postgres: PostgresSummary;
    sqlite: StepSummary;
  };
  seconds: number;
}

export interface StepSummary {
  runs: number;
  ackP50Ms: number;
  ackP99Ms: number;
  deliveryP99Ms: number;
  ackedPerSec: number;
  deliveredPerSec: number;
  nodeMicrosPerDelivery: number;
  nodeMicrosPerMessage: { nodeA: number; nodeB: number };
  lost: number;
  refused: number;
}

export interface ClusterSummary extends StepSummary {
  redisMicrosPerMessage: { primaries: number; replicas: number };
  opsPerMessage: { primaries: number; replicas: number };
  bytesPerMessage: { in: number; out: number; replicationIn: number; replicationOut: number };
  memoryPerMessage: number;
  subscriberBytesPerMessage: { nodeA: number; nodeB: number };
}

export interface PostgresSummary extends ClusterSummary {
  postgres: {
    microsPerMessage: number;
    walBytesPerMessage: number;
    walRecordsPerMessage: number;
    commitsPerMessage: number;
    fpiBytesPerMessage: number;
    statementsPerMessage: number;
  };
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

/** The load: half of each room on each node (node A only, for one node), the senders on node A. */
function layout(profile: ClusterProfile, endpoints: ClientSpec['endpoint'][]): ClientSpec[] {
  const count = profile.rooms * profile.members;
  const specs: ClientSpec[] = [];
  for (let i = 0; i < count; i++) {
    const node = Math.floor(i / profile.rooms) % 2;
    const endpoint = endpoints[node];
    if (endpoint === undefined) continue;
    specs.push({ room: `room${i % profile.rooms}`, group: node === 0 ? 'a' : 'b', endpoint });
  }
  return specs;
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

/** Everything the steps share: the Redis Cluster, the PostgreSQL server, the pinning. */
interface Rig {
  redis: RedisRig;
  postgres: PostgresRig;
  options: ClusterBenchOptions;
}

/** The environment of a step's nodes (for PostgreSQL, a fresh database of its own). */
async function stepEnv(rig: Rig, step: StepName, pass: number): Promise<Record<string, string>> {
  if (step === 'sqlite') return { STORE: 'sqlite' };
  const redis = { REDIS_CLUSTER_NODES: rig.redis.cluster.seeds, REDIS_ADAPTER: 'sharded' };
  if (step === 'postgres') {
    return { ...redis, DATABASE_URL: await rig.postgres.server.createDatabase(databaseOf(pass)) };
  }
  return { ...redis, REDIS_ACK_REPLICAS: step === 'ack1' ? '1' : '0' };
}

/** The database of a round's PostgreSQL step. */
const databaseOf = (pass: number) => `bench${pass}`;

/** Connects the step's clients (signed in as guests) and warms the nodes up. */
async function connectAndWarm(fleet: Fleet, profile: ClusterProfile, ports: number[]) {
  const endpoints = ports.map((port) => ({ host: '127.0.0.1', port, tls: false }));
  const specs = layout(profile, endpoints);
  const sessions = await guestSessions(`http://127.0.0.1:${ports[0] ?? 0}`, specs.length);
  const connect = await fleet.connect(
    specs.map((spec, i) => ({ ...spec, session: sessions[i] as string })),
    100,
  );
  if (connect.failed > 0) {
    throw new Error(
      `${connect.failed} of ${specs.length} clients failed: ${connect.firstError ?? ''}`,
    );
  }
  const senders = pickSenders(fleet.clients, profile.sendersPerRoom);
  await fleet.load(senders, profile.rate / 2, profile.warmupSeconds);
  return senders;
}

/** The figures every step has, from the load's report and the nodes' CPU. */
function stepRun(
  step: StepName,
  pass: number,
  nodes: 1 | 2,
  report: LoadReport,
  fleet: Fleet,
  cpu: { nodeA: number; nodeB: number },
  profile: ClusterProfile,
): Omit<StepRun, 'loadAverage'> {
  const messages = Math.max(1, report.sent - report.refused);
  const perMessage = (x: number) => round(x / messages, 1);
  const half = profile.members / 2;
  const acked = report.sent - report.refused - report.unacked;
  return {
    step,
    round: pass,
    nodes,
    sent: report.sent,
    acked,
    refused: report.refused,
    unacked: report.unacked,
    expectedDeliveries: report.expectedDeliveries,
    deliveries: report.deliveries,
    lost: report.lost,
    seconds: report.seconds,
    ackedPerSec: Math.round(acked / report.seconds),
    deliveredPerSec: report.deliveredPerSec,
    ack: fleet.ackLatency(),
    delivery: fleet.latency(),
    cpuMicros: cpu,
    nodeMicrosPerDelivery: round((cpu.nodeA + cpu.nodeB) / Math.max(1, report.deliveries), 2),
    nodeMicrosPerMessage: { nodeA: perMessage(cpu.nodeA), nodeB: perMessage(cpu.nodeB) },
    // The sender is one of node A's half of its room.
    membersPerMessage: { nodeA: Math.ceil(half) - 1, nodeB: nodes === 2 ? Math.floor(half) : 0 },
  };
}

async function oneRun(rig: Rig, step: StepName, pass: number): Promise<AnyRun> {
  const { profile } = rig.options;
  const loadBefore = loadAverage();
  const env = await stepEnv(rig, step, pass);
  const start = { core: rig.options.cores.server, built: rig.options.built };
  const names = step === 'sqlite' ? ['T-a'] : ['T-a', 'T-b'];
  const nodes = await Promise.all(names.map((name) => startChatNode(name, start, env)));
  const fleet = new Fleet(dialects.chat, profile.sampleStride);
  try {
    const senders = await connectAndWarm(
      fleet,
      profile,
      nodes.map((n) => n.port),
    );
    const pids = { nodeA: nodes[0]?.process.pid ?? 0, nodeB: nodes[1]?.process.pid ?? 0 };
    const redis =
      step === 'sqlite' ? undefined : await redisWindow(rig.redis, profile.idleSeconds, pids);
    const postgres =
      step === 'postgres' ? await postgresWindow(rig.postgres, databaseOf(pass)) : undefined;
    const meter = new CpuMeter(step === 'sqlite' ? { nodeA: pids.nodeA } : pids);
    fleet.resetLatency();
    meter.start();
    const report = await fleet.load(senders, profile.rate, profile.seconds);
    const used = meter.stop();
    const messages = report.sent - report.refused;
    const redisFigures = await redis?.stop(messages);
    const postgresFigures = await postgres?.stop(messages);
    for (const { process: p } of nodes) {
      if (!p.running) throw new Error(`${p.name} exited during the step:\n${p.tail()}`);
    }
    const cpu = { nodeA: used.nodeA?.cpuMicros ?? 0, nodeB: used.nodeB?.cpuMicros ?? 0 };
    const base = {
      ...stepRun(step, pass, step === 'sqlite' ? 1 : 2, report, fleet, cpu, profile),
      loadAverage: [loadBefore, loadAverage()] as [number, number],
    };
    if (step === 'sqlite' || !redisFigures) return { ...base, step: 'sqlite' };
    if (step === 'postgres' && postgresFigures) {
      return { ...base, ...redisFigures, step, postgres: postgresFigures };
    }
    return {
      ...base,
      ...redisFigures,
      step: step === 'ack1' ? 'ack1' : 'ack0',
      ackReplicas: step === 'ack1' ? 1 : 0,
      storedBytesPerMessage: await streamBytesPerMessage(rig.redis, profile.rooms),
    };
  } finally {
    fleet.close();
    await Promise.all(nodes.map((n) => n.process.stop()));
    // Every run starts from an empty cluster: no accounts, rooms or presence of the nodes
    // before it (whose members the next nodes would otherwise announce as gone, mid-step).
    if (step !== 'sqlite') {
      for (const port of rig.redis.roles.primaries) await rig.redis.probe.call(port, 'FLUSHALL');
    }
  }
}

function summariseSteps(runs: StepRun[]): StepSummary {
  const m = (f: (r: StepRun) => number, digits = 1) => round(median(runs.map(f)), digits);
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
    lost: runs.reduce((n, r) => n + r.lost, 0),
    refused: runs.reduce((n, r) => n + r.refused, 0),
  };
}

function summarise(runs: (StepRun & RedisWindow)[]): ClusterSummary {
  const m = (f: (r: RedisWindow) => number, digits = 1) => round(median(runs.map(f)), digits);
  return {
    ...summariseSteps(runs),
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
  };
}

function summarisePostgres(runs: PostgresRun[]): PostgresSummary {
  const m = (f: (r: PostgresWindow) => number | null, digits = 1) =>
    round(median(runs.map((r) => f(r.postgres)).filter((x): x is number => x !== null)), digits);
  return {
    ...summarise(runs),
    postgres: {
      microsPerMessage: m((p) => p.microsPerMessage),
      walBytesPerMessage: m((p) => p.walBytesPerMessage),
      walRecordsPerMessage: m((p) => p.walRecordsPerMessage, 2),
      commitsPerMessage: m((p) => p.commitsPerMessage, 2),
      fpiBytesPerMessage: m((p) => p.fpiBytesPerMessage),
      statementsPerMessage: m((p) => p.statementsPerMessage, 2),
    },
  };
}

function redisVersion(): string {
  const text = spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout;
  return /v=(\S+)/.exec(text)?.[1] ?? 'unknown';
}

const describe = (run: AnyRun): string => {
  const common =
    `round ${run.round} ${run.step}: ack p50 ${run.ack.p50} ms p99 ${run.ack.p99} ms, ` +
    `node A ${run.nodeMicrosPerMessage.nodeA} µs/message, lost ${run.lost}`;
  if (run.step === 'postgres') {
    return `${common}, postgres ${run.postgres.microsPerMessage} µs/message, WAL ${run.postgres.walBytesPerMessage} B/message, ${run.postgres.commitsPerMessage ?? '?'} commits/message`;
  }
  if (run.step === 'sqlite') return common;
  return `${common}, ${run.opsPerMessage.primaries} ops/message, subscriber ${run.subscriberBytesPerMessage.nodeB} B/message`;
};

/** The Redis Cluster and PostgreSQL server of a bench run, started and pinned. */
async function startRig(options: ClusterBenchOptions): Promise<Rig> {
  // No AOF: persistence is not what is measured, and its fsyncs would add noise to both sides.
  const cluster = new RedisCluster({ appendonly: false });
  // fsync on, as a deployment runs it: a commit waits for the WAL to reach the disk. And
  // pg_stat_statements, to count what each message runs.
  const server = new PostgresProcess({ fsync: true, settings: STATEMENT_STATS });
  await Promise.all([cluster.start(), server.start()]);
  const core = options.cores.server;
  if (core !== undefined) {
    for (const n of cluster.nodes) if (n.pid !== undefined) pinPid(n.pid, core);
    if (server.pid !== undefined) pinTree(server.pid, core);
  }
  const topology = await cluster.topology();
  const roles = {
    primaries: topology
      .filter((n) => n.role === 'primary' && n.slots.length > 0)
      .map((n) => n.port),
    replicas: topology.filter((n) => n.role === 'replica').map((n) => n.port),
  };
  const probe = new RedisProbe(cluster.nodes.map((n) => n.port));
  const client = new pg.Client({ connectionString: server.url() });
  await client.connect();
  await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  return { redis: { cluster, roles, probe }, postgres: { server, client }, options };
}

async function stopRig(rig: Rig): Promise<void> {
  await rig.redis.probe.close();
  await rig.postgres.client.end().catch(() => undefined);
  await stopAll();
  await rig.redis.cluster.stop();
  await rig.postgres.server.stop();
  rmSync(rig.postgres.server.dir, { recursive: true, force: true });
}

export async function runClusterBench(options: ClusterBenchOptions): Promise<ClusterBenchResults> {
  const { profile, log } = options;
  const started = performance.now();
  const pinned = options.cores.generator !== undefined && pinSelf(options.cores.generator);
  const cores = pinned ? options.cores : { server: undefined, generator: undefined };
  const rig = await startRig({ ...options, cores });
  const runs: AnyRun[] = [];
  let settings: PostgresSettings;
  try {
    settings = await postgresSettings(rig.postgres.client);
    for (let pass = 1; pass <= profile.rounds; pass++) {
      // Each round starts one step further on, so that no step always runs on a warmer rig.
      const order = ORDER.map((_, i) => ORDER[(i + pass - 1) % ORDER.length] as StepName);
      for (const step of order) {
        const run = await oneRun(rig, step, pass);
        runs.push(run);
        log(describe(run));
      }
    }
  } finally {
    await stopRig(rig);
  }
  const { version, ...postgres } = settings;
  const { name: _name, ...rest } = profile;
  const redisRuns = runs.filter((r): r is ClusterRun => r.step === 'ack1' || r.step === 'ack0');
  const postgresRuns = runs.filter((r): r is PostgresRun => r.step === 'postgres');
  return {
    profile: profile.name,
    date: new Date().toISOString(),
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      node: process.version,
      redis: redisVersion(),
      postgres: version,
      pinned: pinned && hasTaskset,
    },
    layout: { ...rest, nodes: 2, primaries: 3, replicasPerPrimary: 1 },
    steps: STEPS,
    postgres,
    runs,
    storedBytesPerMessage: median(redisRuns.map((r) => r.storedBytesPerMessage)),
    summary: {
      ack1: summarise(redisRuns.filter((r) => r.step === 'ack1')),
      ack0: summarise(redisRuns.filter((r) => r.step === 'ack0')),
      postgres: summarisePostgres(postgresRuns),
      sqlite: summariseSteps(runs.filter((r) => r.step === 'sqlite')),
    },
    seconds: Math.round((performance.now() - started) / 1000),
  };
}
