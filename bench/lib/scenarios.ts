// The six scenarios. Each starts its servers fresh, loads them through a Fleet (S6 through a
// Mix), and returns plain figures; the report compares them.
import { join } from 'node:path';
import { defaultConfig } from '../../server/src/config.js';
import type { BenchClient } from '../load/client.js';
import { dialects } from '../load/dialect.js';
import { Fleet, type ClientSpec, type ConnectReport, type LoadReport } from '../load/fleet.js';
import type { Endpoint } from '../load/light-socket.js';
import type { MixReport } from '../load/mix-stats.js';
import { Mix } from '../load/mix.js';
import {
  CpuMeter,
  StallWatch,
  bytesRead,
  round,
  type LatencySummary,
  type Stalls,
} from './measure.js';
import type { Profile } from './profile.js';
import {
  startBehindHaproxy,
  startCluster,
  startServer,
  type ServerName,
  type StartOptions,
  type Target,
} from './targets.js';

export interface Cores {
  server: number | undefined;
  generator: number | undefined;
}

export interface StepResult extends LoadReport {
  latency: LatencySummary;
  /** The senders' ack round trips, send to ack (servers that acknowledge only). */
  ack: LatencySummary;
  /** CPU used per process over the step, and per delivery (µs) for the target's processes. */
  cpu: Record<string, { cpuMicros: number; cores: number }>;
  serverMicrosPerDelivery: number;
  generatorCores: number;
  /** Whether the step is within bounds: nothing lost, p99 < 100 ms, deliveries kept up. */
  passed: boolean;
  byGroup?: Record<string, LatencySummary>;
}

export interface S1Result {
  target: string;
  connect: ConnectReport;
  heapPerConnection: number;
  rssPerConnection: number;
  heapBefore: number;
  heapAfter: number;
  rssAfter: number;
  idleCores: number;
  generatorCores: number;
}

export interface S2Result {
  target: string;
  fixed: StepResult;
  steps: StepResult[];
  /** The highest deliveries/s of a passing step. */
  maxDeliveriesPerSec: number;
  /** The generator used ≥ 90 % of its core in a step (its figures then bound the result). */
  generatorSaturated: boolean;
}

export interface S3Result {
  target: string;
  steps: StepResult[];
}

export interface S4Result {
  s2: { single: StepResult; classic: StepResult; sharded: StepResult };
  s3: { single: StepResult; classic: StepResult; sharded: StepResult };
  /** Node B's reads and CPU while only rooms local to node A chat. */
  isolation: Record<
    'classic' | 'sharded',
    { messages: number; nodeBBytesRead: number; nodeBCpuMicros: number }
  >;
}

/** One fixed-rate step of S5: a room whose members are half direct, half through HAProxy. */
export interface S5Step {
  step: StepResult;
  direct: LatencySummary;
  proxied: LatencySummary;
  /** Deliveries/s that went through HAProxy (the proxied members' share). */
  proxiedPerSec: number;
  /** HAProxy's CPU per delivery it carried, and the node's per delivery, in µs. */
  haproxyMicrosPerDelivery: number;
  nodeMicrosPerDelivery: number;
  /** Share of a core used by HAProxy, and by the load generator (which also terminates TLS). */
  haproxyCores: number;
  generatorCores: number;
}

export interface S5Result {
  s1: S1Result;
  steps: S5Step[];
}

export interface S6Result {
  target: string;
  users: number;
  /** The measured window, in seconds (after the warm-up). */
  seconds: number;
  /** Signing in, connecting and joining every room before the clock starts. */
  setupSeconds: number;
  cpu: Record<string, { cpuMicros: number; cores: number }>;
  /** The server's CPU over the window per user and second, in µs. */
  serverMicrosPerUserSecond: number;
  generatorCores: number;
  /** Where the server's time went when it was not running: what explains a late answer. */
  stalls: Stalls;
  mix: MixReport;
}

const generatorCpu = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

async function withTarget<R>(
  start: () => Promise<Target>,
  run: (t: Target) => Promise<R>,
): Promise<R> {
  const target = await start();
  try {
    return await run(target);
  } catch (err) {
    // What the servers said last is usually the reason.
    const said = Object.values(target.processes)
      .map((p) => `--- ${p.name}:\n${p.tail()}`)
      .join('\n');
    throw new Error(`${(err as Error).message}\n${said}`, { cause: err });
  } finally {
    await target.stop();
  }
}

interface Layout {
  count: number;
  room: (i: number) => string;
  /** The node client `i` connects to; the first one by default. */
  node?: (i: number) => number;
  group?: (i: number) => string;
  concurrency: number;
}

/** Connects and joins `count` clients laid out over rooms and nodes; fails unless all make it. */
async function populate(
  target: Target,
  profile: Profile,
  layout: Layout,
  what: string,
): Promise<{ fleet: Fleet; connect: ConnectReport }> {
  const fleet = new Fleet(target.dialect, profile.sampleStride);
  // Accounts and sessions are made before the clock starts, as people sign in before chatting.
  const sessions = (await target.signIn?.(layout.count)) ?? [];
  const specs: ClientSpec[] = Array.from({ length: layout.count }, (_, i) => ({
    room: layout.room(i),
    endpoint: target.endpoints[layout.node?.(i) ?? 0] as Endpoint,
    group: layout.group?.(i) ?? 'all',
    ...(sessions[i] === undefined ? {} : { session: sessions[i].token }),
  }));
  const connect = await fleet.connect(specs, layout.concurrency);
  if (connect.failed > 0) {
    fleet.close();
    throw new Error(
      `${target.label} ${what}: ${connect.failed} of ${layout.count} clients failed to connect (${connect.firstError ?? ''})`,
    );
  }
  return { fleet, connect };
}

/** One load step with CPU and latency measured around it. */
async function step(
  target: Target,
  fleet: Fleet,
  senders: BenchClient[],
  ratePerSec: number,
  seconds: number,
  offeredDeliveries: number,
): Promise<StepResult> {
  const pids = Object.fromEntries(Object.entries(target.processes).map(([k, p]) => [k, p.pid]));
  const meter = new CpuMeter(pids);
  fleet.resetLatency();
  const genBefore = generatorCpu();
  const genStart = performance.now();
  meter.start();
  const report = await fleet.load(senders, ratePerSec, seconds);
  for (const p of Object.values(target.processes)) {
    if (!p.running) throw new Error(`${p.name} exited during a load step:\n${p.tail()}`);
  }
  const cpu = meter.stop();
  const generatorCores = round(
    (generatorCpu() - genBefore) / ((performance.now() - genStart) * 1000),
    3,
  );
  const latency = fleet.latency();
  const serverMicros = Object.values(cpu).reduce((n, c) => n + c.cpuMicros, 0);
  const dropped = fleet.dropped();
  return {
    ...report,
    latency,
    ack: fleet.ackLatency(),
    cpu,
    serverMicrosPerDelivery: round(serverMicros / Math.max(1, report.deliveries), 2),
    generatorCores,
    passed:
      report.lost === 0 &&
      report.unacked === 0 &&
      report.refused === 0 &&
      dropped === 0 &&
      latency.p99 < 100 &&
      report.deliveredPerSec >= 0.9 * offeredDeliveries,
  };
}

/** S1: idle connections. Heap and RSS per connection after GC, idle CPU, connect rate and time. */
export async function s1(
  start: () => Promise<Target>,
  profile: Profile,
  /** A folder for heap snapshots of the server before and after the connections. */
  snapshots?: string,
): Promise<S1Result> {
  const { connections, perRoom, idleSeconds, concurrency } = profile.s1;
  return withTarget(start, async (target) => {
    const server = target.servers[0];
    if (!server) throw new Error('no server');
    const snapshot = (when: string) =>
      snapshots === undefined
        ? undefined
        : join(snapshots, `S1-${target.label}-${when}.heapsnapshot`);
    const before = await server.memory(snapshot('before'));
    const { fleet, connect } = await populate(
      target,
      profile,
      { count: connections, room: (i) => `idle${Math.floor(i / perRoom)}`, concurrency },
      'S1',
    );
    const after = await server.memory(snapshot('after'));
    const meter = new CpuMeter({ server: server.pid });
    const genBefore = generatorCpu();
    meter.start();
    await new Promise((resolve) => setTimeout(resolve, idleSeconds * 1000));
    const idle = meter.stop();
    const generatorCores = round((generatorCpu() - genBefore) / (idleSeconds * 1e6), 3);
    fleet.close();
    return {
      target: target.label,
      connect,
      heapPerConnection: Math.round((after.heapUsed - before.heapUsed) / connections),
      rssPerConnection: Math.round((after.rss - before.rss) / connections),
      heapBefore: before.heapUsed,
      heapAfter: after.heapUsed,
      rssAfter: after.rss,
      idleCores: idle.server?.cores ?? 0,
      generatorCores,
    };
  });
}

/** S2: one room, one sender stepping up; plus a fixed-rate step. */
export async function s2(
  start: () => Promise<Target>,
  profile: Profile,
  steps = profile.s2.steps,
): Promise<S2Result> {
  const { members, stepSeconds, fixedDeliveries, fixedSeconds } = profile.s2;
  return withTarget(start, async (target) => {
    const { fleet } = await populate(
      target,
      profile,
      { count: members, room: () => 'r0', concurrency: 50 },
      'S2',
    );
    const sender = fleet.clients[0] as BenchClient;
    const recipients = members - 1;
    // Unrecorded: the first messages after the joins run through cold code and a heap
    // still settling from the connections; no step should pay for that.
    await fleet.load([sender], fixedDeliveries / recipients / 2, profile.s2.stepSeconds);
    const fixed = await step(
      target,
      fleet,
      [sender],
      fixedDeliveries / recipients,
      fixedSeconds,
      fixedDeliveries,
    );
    const results: StepResult[] = [];
    for (const deliveries of steps) {
      const r = await step(
        target,
        fleet,
        [sender],
        deliveries / recipients,
        stepSeconds,
        deliveries,
      );
      results.push(r);
      if (!r.passed) break;
    }
    fleet.close();
    const passing = results.filter((r) => r.passed);
    return {
      target: target.label,
      fixed,
      steps: results,
      maxDeliveriesPerSec: Math.max(0, ...passing.map((r) => r.deliveredPerSec)),
      generatorSaturated: [fixed, ...results].some((r) => r.generatorCores >= 0.9),
    };
  });
}

/** S3: many rooms of 50, several senders per room, at a few total rates. */
export async function s3(start: () => Promise<Target>, profile: Profile): Promise<S3Result> {
  const { rooms, members, sendersPerRoom, rates, seconds } = profile.s3;
  return withTarget(start, async (target) => {
    const { fleet } = await populate(
      target,
      profile,
      { count: rooms * members, room: (i) => `room${i % rooms}`, concurrency: 100 },
      'S3',
    );
    const senders = pickSenders(fleet.clients, sendersPerRoom);
    await fleet.load(senders, (rates[0] ?? 100) / 2, seconds / 2); // warm-up, unrecorded
    const results: StepResult[] = [];
    for (const rate of rates) {
      results.push(await step(target, fleet, senders, rate, seconds, rate * (members - 1)));
    }
    fleet.close();
    return { target: target.label, steps: results };
  });
}

/** The first `perRoom` clients of each room, interleaved across rooms. */
function pickSenders(clients: BenchClient[], perRoom: number): BenchClient[] {
  const byRoom = new Map<string, BenchClient[]>();
  for (const c of clients) {
    const list = byRoom.get(c.room) ?? [];
    if (list.length < perRoom) list.push(c);
    byRoom.set(c.room, list);
  }
  const out: BenchClient[] = [];
  for (let i = 0; i < perRoom; i++) {
    for (const list of byRoom.values()) {
      const client = list[i];
      if (client) out.push(client);
    }
  }
  return out;
}

/**
 * S4: the S2 and S3 loads at fixed rates on one node and on two nodes through Redis, with the
 * recipients split between the nodes; then rooms local to node A, to see what node B receives.
 */
export async function s4(options: StartOptions, profile: Profile): Promise<S4Result> {
  const { s2Deliveries, s3Rate, seconds, localRooms, localRate } = profile.s4;
  const s2Members = profile.s2.members;
  const { rooms, members, sendersPerRoom } = profile.s3;

  const s2Run = (start: () => Promise<Target>): Promise<StepResult> =>
    withTarget(start, async (target) => {
      const nodes = target.endpoints.length;
      const { fleet } = await populate(
        target,
        profile,
        {
          count: s2Members,
          room: () => 'r0',
          node: (i) => i % nodes,
          group: (i) => (i % nodes === 0 ? 'local' : 'remote'),
          concurrency: 50,
        },
        'S4/S2',
      );
      // The sender is on node A: recipients on node B are the cross-node ones.
      const sender = fleet.clients.find((c) => c.group === 'local') as BenchClient;
      const r = await step(
        target,
        fleet,
        [sender],
        s2Deliveries / (s2Members - 1),
        seconds,
        s2Deliveries,
      );
      r.byGroup = { local: fleet.latency('local'), remote: fleet.latency('remote') };
      fleet.close();
      return r;
    });

  const s3Run = (start: () => Promise<Target>): Promise<StepResult> =>
    withTarget(start, async (target) => {
      const nodes = target.endpoints.length;
      const { fleet } = await populate(
        target,
        profile,
        {
          count: rooms * members,
          room: (i) => `room${i % rooms}`,
          node: (i) => Math.floor(i / rooms) % nodes,
          group: (i) => (Math.floor(i / rooms) % nodes === 0 ? 'a' : 'b'),
          concurrency: 100,
        },
        'S4/S3',
      );
      const r = await step(
        target,
        fleet,
        pickSenders(fleet.clients, sendersPerRoom),
        s3Rate,
        seconds,
        s3Rate * (members - 1),
      );
      r.byGroup = { a: fleet.latency('a'), b: fleet.latency('b') };
      fleet.close();
      return r;
    });

  const isolationRun = (adapter: 'classic' | 'sharded') =>
    withTarget(
      () => startCluster(adapter, options),
      async (target) => {
        const { fleet } = await populate(
          target,
          profile,
          { count: localRooms * members, room: (i) => `local${i % localRooms}`, concurrency: 100 },
          'S4 isolation',
        );
        const nodeB = target.processes.nodeB;
        if (!nodeB) throw new Error('no node B');
        const readBefore = bytesRead(nodeB.pid);
        const meter = new CpuMeter({ nodeB: nodeB.pid });
        meter.start();
        const r = await fleet.load(pickSenders(fleet.clients, sendersPerRoom), localRate, seconds);
        const cpu = meter.stop();
        fleet.close();
        if (r.lost > 0) throw new Error(`S4 isolation lost ${r.lost} deliveries`);
        return {
          messages: r.sent,
          nodeBBytesRead: bytesRead(nodeB.pid) - readBefore,
          nodeBCpuMicros: cpu.nodeB?.cpuMicros ?? 0,
        };
      },
    );

  const single = (): Promise<Target> => startServer('T', options);
  return {
    s2: {
      single: await s2Run(single),
      classic: await s2Run(() => startCluster('classic', options)),
      sharded: await s2Run(() => startCluster('sharded', options)),
    },
    s3: {
      single: await s3Run(single),
      classic: await s3Run(() => startCluster('classic', options)),
      sharded: await s3Run(() => startCluster('sharded', options)),
    },
    isolation: { classic: await isolationRun('classic'), sharded: await isolationRun('sharded') },
  };
}

/**
 * S5: HAProxy (TLS, the deployment's haproxy.cfg) in front of T. S1 through it (connections/s,
 * heap), then one room of S2's size whose members are half direct and half through HAProxy,
 * at fixed rates the rig sustains: in each step both halves receive the same messages from
 * the same direct sender, so the proxied half's extra latency is what HAProxy adds, measured
 * in the same moment, and HAProxy's CPU divided by what it carried is its cost per delivery.
 */
export async function s5(
  options: StartOptions,
  generatorCore: number | undefined,
  profile: Profile,
): Promise<S5Result> {
  // Two cores: HAProxy shares the load generator's. On the server's core instead, the node's
  // health checks went unanswered at full load and HAProxy cut every session (measured).
  const start = (): Promise<Target> =>
    startBehindHaproxy({ ...options, haproxyCore: generatorCore });
  const s1Profile = { ...profile, s1: { ...profile.s1, connections: profile.s5.connections } };
  const idle = await s1(start, s1Profile);
  const { members, fixedSeconds } = profile.s2;
  const steps = await withTarget(start, async (target) => {
    // Endpoint 0 is HAProxy, endpoint 1 the node itself.
    const { fleet } = await populate(
      target,
      profile,
      {
        count: members,
        room: () => 'r0',
        node: (i) => (i % 2 === 0 ? 1 : 0),
        group: (i) => (i % 2 === 0 ? 'direct' : 'proxied'),
        concurrency: 50,
      },
      'S5',
    );
    const sender = fleet.clients[0] as BenchClient;
    const recipients = members - 1;
    const proxiedShare = fleet.clients.filter((c) => c.group === 'proxied').length / recipients;
    await fleet.load([sender], (profile.s5.rates[0] ?? 1000) / recipients / 2, fixedSeconds);
    const out: S5Step[] = [];
    for (const rate of profile.s5.rates) {
      const r = await step(target, fleet, [sender], rate / recipients, fixedSeconds, rate);
      const seconds = r.deliveries / Math.max(1, r.deliveredPerSec);
      const proxiedDeliveries = r.deliveries * proxiedShare;
      out.push({
        step: r,
        direct: fleet.latency('direct'),
        proxied: fleet.latency('proxied'),
        proxiedPerSec: Math.round(proxiedDeliveries / Math.max(seconds, 1e-9)),
        haproxyMicrosPerDelivery: round(
          (r.cpu.haproxy?.cpuMicros ?? 0) / Math.max(1, proxiedDeliveries),
          2,
        ),
        nodeMicrosPerDelivery: round((r.cpu.T?.cpuMicros ?? 0) / Math.max(1, r.deliveries), 2),
        haproxyCores: r.cpu.haproxy?.cores ?? 0,
        generatorCores: r.generatorCores,
      });
    }
    fleet.close();
    return out;
  });
  return { s1: idle, steps };
}

export const startSingle = (name: ServerName, options: StartOptions) => (): Promise<Target> =>
  startServer(name, options);

/**
 * T's per-user and per-connection rate limits as deployed: in S6 people act at human rates,
 * well within them. (The other scenarios lift them for their fast senders.)
 */
const productionRates = {
  RATE_LIMIT_PER_SEC: String(defaultConfig.messageRatePerSec),
  RATE_LIMIT_BURST: String(defaultConfig.messageBurst),
  EVENT_RATE_PER_SEC: String(defaultConfig.eventRatePerSec),
  EVENT_BURST: String(defaultConfig.eventBurst),
};

/**
 * S6: signed-in users in a realistic chat mix on one node (T only): server CPU per user and
 * second, ack latency by kind, delivery latency, and every delivery accounted for.
 */
export async function s6(options: StartOptions, profile: Profile): Promise<S6Result> {
  const p = profile.s6;
  return withTarget(
    () => startServer('T', options, productionRates),
    async (target) => {
      const server = target.processes.T;
      if (!server || !target.signIn) throw new Error('S6 needs T');
      const setupStarted = performance.now();
      const mix = await Mix.start({
        endpoint: target.endpoints[0] as Endpoint,
        dialect: dialects.chat,
        users: await target.signIn(p.users),
        layout: p.layout,
        speed: p.speed,
        concurrency: 50,
      });
      try {
        const setupSeconds = round((performance.now() - setupStarted) / 1000, 1);
        await mix.run(p.warmupSeconds);
        const meter = new CpuMeter({ T: server.pid });
        const watch = new StallWatch(server.pid);
        const genBefore = generatorCpu();
        const started = performance.now();
        meter.start();
        watch.start();
        await mix.run(p.seconds, true);
        const cpu = meter.stop();
        const stalls = watch.stop();
        const wall = (performance.now() - started) / 1000;
        const generatorCores = round((generatorCpu() - genBefore) / (wall * 1e6), 3);
        if (!server.running) throw new Error(`T exited during S6:\n${server.tail()}`);
        await mix.drain();
        const report = mix.report();
        return {
          target: target.label,
          users: p.users,
          seconds: round(wall, 2),
          setupSeconds,
          cpu,
          serverMicrosPerUserSecond: round((cpu.T?.cpuMicros ?? 0) / (p.users * wall), 1),
          generatorCores,
          stalls,
          mix: report,
        };
      } finally {
        mix.close();
      }
    },
  );
}
