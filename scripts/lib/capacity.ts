// The capacity model: chat nodes, Redis shards and HAProxy instances for a number of users in
// rooms of one size, each user sending a message a minute. Every figure it rests on is either
// measured (bench/results/results.json, bench/results/cluster.json) or an assumption named in
// `Assumptions` with its reason; docs/capacity.md is this module's output.
import { profiles } from '../../bench/lib/profile.js';
import type { BenchResults } from '../../bench/lib/results.js';
import type { ClusterBenchResults } from '../../bench/lib/cluster-bench.js';

/** Where members of a room land among the chat nodes. */
export type Placement = 'random' | 'room';

export interface Assumptions {
  /** Messages each user sends per minute. */
  messagesPerUserPerMinute: number;
  /** Share of its core a chat node is planned to use (the rest absorbs bursts and a lost node). */
  nodeTargetUtilisation: number;
  /** Memory a chat node process may spend on connections, bytes. */
  nodeMemoryForConnections: number;
  /** Nodes added beyond the computed count, so that one can fail or be upgraded. */
  spareNodes: number;
  /** Share of its core a Redis primary is planned to use (Redis runs commands on one thread). */
  redisTargetUtilisation: number;
  /** Network a shard may use, bytes/s (in + out, replication included). */
  shardBytesPerSec: number;
  /** Data a shard may hold, bytes. */
  shardMemory: number;
  /** Fewest primaries of a Redis Cluster that can still elect a failover (a majority of three). */
  minShards: number;
  /** Messages kept per room (HISTORY_LIMIT's default). */
  historyLimit: number;
  /** HAProxy: threads (cores) per instance, and the share of them planned to be used. */
  haproxyCores: number;
  haproxyTargetUtilisation: number;
  /** Client connections (TLS) one HAProxy instance is planned to hold. */
  haproxyConnections: number;
  /** Fewest HAProxy instances, so that one can fail. */
  minHaproxy: number;
  /** HAProxy CPU per delivery when S5 has no usable figure, µs. */
  haproxyMicrosPerDeliveryFallback: number;
}

export const defaultAssumptions: Assumptions = {
  messagesPerUserPerMinute: 1,
  nodeTargetUtilisation: 0.6,
  nodeMemoryForConnections: 2 * 1024 ** 3,
  spareNodes: 1,
  redisTargetUtilisation: 0.5,
  shardBytesPerSec: 62_500_000,
  shardMemory: 4 * 1024 ** 3,
  minShards: 3,
  historyLimit: 1000,
  haproxyCores: 4,
  haproxyTargetUtilisation: 0.6,
  haproxyConnections: 100_000,
  minHaproxy: 2,
  haproxyMicrosPerDeliveryFallback: 25,
};

/** The measured figures the model uses, each with where it came from. */
export interface Measured {
  /** Chat node CPU per delivery (one WebSocket frame written), µs. */
  microsPerDelivery: number;
  /** Chat node CPU per message on one node, beyond its deliveries (in-memory store), µs. */
  microsPerMessage: number;
  /** RSS per idle connection, bytes. */
  rssPerConnection: number;
  /** CPU an idle connection costs (pings), µs per second. */
  idleMicrosPerConnection: number;
  /** On the Redis Cluster: the sender's node's CPU per message beyond its deliveries, µs. */
  originMicrosPerMessage: number;
  /** On the Redis Cluster: each other node with members, per message beyond its deliveries, µs. */
  receiveMicrosPerMessage: number;
  /** Bytes a node's sharded subscriber reads per message of a room it has members of. */
  subscriberBytesPerMessage: number;
  /** Redis commands per message on the primaries, and on their replicas. */
  primaryOpsPerMessage: number;
  replicaOpsPerMessage: number;
  /** Primary CPU per command, µs (the primaries' CPU per message over their commands). */
  primaryMicrosPerOp: number;
  /** Redis bytes per message, in and out of every server, less the subscriber copies. */
  redisBaseBytesPerMessage: number;
  /** Primaries' memory per stored message, bytes. */
  memoryPerMessage: number;
  /** HAProxy CPU per delivery (TLS), µs; undefined when S5 has no usable figure. */
  haproxyMicrosPerDelivery: number | undefined;
  sources: Record<string, string>;
}

const fail = (what: string): never => {
  throw new Error(`capacity: ${what} missing from the bench results`);
};

const r = (x: number, digits = 2): number => Math.round(x * 10 ** digits) / 10 ** digits;

/** The model's measured inputs from the two result files. */
export function measuredFrom(bench: BenchResults, cluster: ClusterBenchResults): Measured {
  const profile = profiles[bench.profile];
  const s2 = bench.s2?.T ?? fail('S2 T');
  const s3 = bench.s3?.T.steps[0] ?? fail('S3 T');
  const s1 = bench.s1?.T ?? fail('S1 T');
  // CPU per delivery = b + a / recipients: the one-room load (S2, 999 recipients a message)
  // and the rooms-of-50 load (S3 at its lowest rate, p99 a few ms) give b and a.
  const [n2, n3] = [profile.s2.members - 1, profile.s3.members - 1];
  const [c2, c3] = [s2.fixed.serverMicrosPerDelivery, s3.serverMicrosPerDelivery];
  const a = (c3 - c2) / (1 / n3 - 1 / n2);
  const b = c2 - a / n2;
  const ack = cluster.summary.ack1;
  const layout = cluster.layout;
  const membersA = Math.ceil(layout.members / 2) - 1;
  const membersB = Math.floor(layout.members / 2);
  const origin = ack.nodeMicrosPerMessage.nodeA - b * membersA;
  const receive = ack.nodeMicrosPerMessage.nodeB - b * membersB;
  const subscriber =
    (ack.subscriberBytesPerMessage.nodeA + ack.subscriberBytesPerMessage.nodeB) / 2;
  const bytes = ack.bytesPerMessage.in + ack.bytesPerMessage.out;
  // HAProxy's cost per delivery it carried, at the highest rate the rig sustained.
  const sustained = (bench.s5?.steps ?? []).filter((s) => s.step.passed);
  const top = sustained.at(-1);
  const haproxy = top?.haproxyMicrosPerDelivery;
  return {
    microsPerDelivery: r(b),
    microsPerMessage: r(a, 1),
    rssPerConnection: s1.rssPerConnection,
    idleMicrosPerConnection: r((s1.idleCores * 1e6) / s1.connect.connected, 3),
    originMicrosPerMessage: r(Math.max(0, origin), 1),
    receiveMicrosPerMessage: r(Math.max(0, receive), 1),
    subscriberBytesPerMessage: r(subscriber, 1),
    primaryOpsPerMessage: ack.opsPerMessage.primaries,
    replicaOpsPerMessage: ack.opsPerMessage.replicas,
    primaryMicrosPerOp: r(ack.redisMicrosPerMessage.primaries / ack.opsPerMessage.primaries),
    redisBaseBytesPerMessage: r(Math.max(0, bytes - 2 * subscriber), 0),
    memoryPerMessage: cluster.storedBytesPerMessage,
    haproxyMicrosPerDelivery: haproxy === undefined ? undefined : r(haproxy),
    sources: {
      microsPerDelivery: `results.json S2 T fixed (${c2} µs/delivery, ${n2} recipients) and S3 T at ${s3.offeredPerSec} msg/s (${c3} µs/delivery, ${n3} recipients): b of b + a/recipients`,
      microsPerMessage: 'the same two figures: a of b + a/recipients',
      rssPerConnection: `results.json S1 T, ${s1.connect.connected} idle connections`,
      idleMicrosPerConnection: `results.json S1 T idle CPU (${s1.idleCores} cores for ${s1.connect.connected} connections)`,
      originMicrosPerMessage: `cluster.json REDIS_ACK_REPLICAS=1: node A ${ack.nodeMicrosPerMessage.nodeA} µs/message less b × ${membersA} recipients`,
      receiveMicrosPerMessage: `cluster.json REDIS_ACK_REPLICAS=1: node B ${ack.nodeMicrosPerMessage.nodeB} µs/message less b × ${membersB} recipients`,
      subscriberBytesPerMessage: 'cluster.json: mean of the two subscribers',
      primaryOpsPerMessage:
        'cluster.json: INFO commandstats of the primaries, net of idle background',
      replicaOpsPerMessage: 'cluster.json: INFO commandstats of the replicas',
      primaryMicrosPerOp: `cluster.json: primaries' CPU (/proc) ${ack.redisMicrosPerMessage.primaries} µs/message over ${ack.opsPerMessage.primaries} commands`,
      redisBaseBytesPerMessage: `cluster.json: INFO total_net_input/output_bytes of all six (${bytes} B) less the two subscribers' copies`,
      memoryPerMessage: 'cluster.json: MEMORY USAGE of rooms’ message streams over their lengths',
      haproxyMicrosPerDelivery: top
        ? `results.json S5: HAProxy CPU over the deliveries it carried at the highest sustained rate (${top.proxiedPerSec} deliveries/s through it)`
        : 'no sustained S5 step: assumption',
    },
  };
}

export interface Sizing {
  users: number;
  roomSize: number;
  placement: Placement;
  messagesPerSec: number;
  deliveriesPerSec: number;
  rooms: number;
  nodes: {
    /** Undefined when no count fits: each node would receive more than its core can take. */
    count: number | undefined;
    byCpu: number | undefined;
    byMemory: number;
    /** Nodes a message reaches (nodes with members of its room). */
    nodesPerMessage: number;
    cores: number;
  };
  shards: {
    count: number;
    byOps: number;
    byBytes: number;
    byMemory: number;
    opsPerSec: number;
    bytesPerSec: number;
    storedBytes: number;
  };
  haproxy: { count: number; byCpu: number; byConnections: number; cores: number };
}

/** Nodes that hold members of one room of `m`, among `n` nodes holding `users`. */
export function nodesPerRoom(n: number, m: number, users: number, placement: Placement): number {
  if (n <= 1) return 1;
  if (placement === 'room') return Math.min(n, Math.ceil(m / (users / n)));
  // Each member on any node alike: the expected number of distinct nodes among m draws.
  return n * (1 - (1 - 1 / n) ** m);
}

const MAX_NODES = 100_000;

export function size(
  m: Measured,
  users: number,
  roomSize: number,
  placement: Placement = 'random',
  a: Assumptions = defaultAssumptions,
): Sizing {
  const messagesPerSec = (users * a.messagesPerUserPerMinute) / 60;
  const deliveriesPerSec = messagesPerSec * (roomSize - 1);
  const rooms = Math.ceil(users / roomSize);

  // Chat nodes: one core each. A message costs its sender's node its origin work, each other
  // node with members its receiving work, and every recipient a delivery; idle connections
  // cost their pings. The nodes a message reaches depend on the node count, so the count is
  // the smallest one that carries the CPU it implies (iterated up from the memory bound).
  const byMemory = Math.ceil((users * m.rssPerConnection) / a.nodeMemoryForConnections);
  const cores = (n: number): number => {
    const k = nodesPerRoom(n, roomSize, users, placement);
    const perMessage =
      (n > 1 ? m.originMicrosPerMessage : m.microsPerMessage) +
      m.receiveMicrosPerMessage * (k - 1) +
      m.microsPerDelivery * (roomSize - 1);
    return (messagesPerSec * perMessage + users * m.idleMicrosPerConnection) / 1e6;
  };
  let n = Math.max(1, byMemory);
  let byCpu: number | undefined;
  while (n <= MAX_NODES) {
    const need = Math.ceil(cores(n) / a.nodeTargetUtilisation);
    if (need <= n) {
      byCpu = need;
      break;
    }
    n = need;
  }
  const base = byCpu === undefined ? undefined : Math.max(byCpu, byMemory);
  const k = base === undefined ? roomSize : nodesPerRoom(base, roomSize, users, placement);

  // Redis: commands on one thread per primary; bytes grow with the subscribers each message
  // is pushed to; history fills to its limit per room.
  const opsPerSec = messagesPerSec * m.primaryOpsPerMessage;
  const byOps = Math.ceil((opsPerSec * m.primaryMicrosPerOp) / 1e6 / a.redisTargetUtilisation);
  const bytesPerSec =
    messagesPerSec * (m.redisBaseBytesPerMessage + k * m.subscriberBytesPerMessage);
  const byBytes = Math.ceil(bytesPerSec / a.shardBytesPerSec);
  const storedBytes = rooms * a.historyLimit * m.memoryPerMessage;
  const byShardMemory = Math.ceil(storedBytes / a.shardMemory);
  const shards = Math.max(a.minShards, byOps, byBytes, byShardMemory);

  // HAProxy: TLS and the proxying of every delivery, and a bound on connections per instance.
  const proxyMicros = m.haproxyMicrosPerDelivery ?? a.haproxyMicrosPerDeliveryFallback;
  const proxyCores = (deliveriesPerSec * proxyMicros) / 1e6;
  const proxyByCpu = Math.ceil(proxyCores / (a.haproxyCores * a.haproxyTargetUtilisation));
  const proxyByConnections = Math.ceil(users / a.haproxyConnections);

  return {
    users,
    roomSize,
    placement,
    messagesPerSec: r(messagesPerSec, 1),
    deliveriesPerSec: Math.round(deliveriesPerSec),
    rooms,
    nodes: {
      count: base === undefined ? undefined : base + a.spareNodes,
      byCpu,
      byMemory,
      nodesPerMessage: r(k, 1),
      cores: r(base === undefined ? cores(MAX_NODES) : cores(base)),
    },
    shards: {
      count: shards,
      byOps,
      byBytes,
      byMemory: byShardMemory,
      opsPerSec: Math.round(opsPerSec),
      bytesPerSec: Math.round(bytesPerSec),
      storedBytes: Math.round(storedBytes),
    },
    haproxy: {
      count: Math.max(a.minHaproxy, proxyByCpu, proxyByConnections),
      byCpu: proxyByCpu,
      byConnections: proxyByConnections,
      cores: r(proxyCores),
    },
  };
}

export interface CheckLine {
  what: string;
  predicted: number;
  measured: number;
  ratio: number;
  basis: string;
}

/**
 * What the model predicts, from results.json alone (one redis-server, no WAIT), for the
 * cluster bench's layout, against what that bench measured on the three-primary cluster.
 */
export function predictionCheck(bench: BenchResults, cluster: ClusterBenchResults): CheckLine[] {
  const m = measuredFrom(bench, cluster);
  const s4 = bench.s4 ?? fail('S4');
  const perDelivery = (x: { cpu: Record<string, { cpuMicros: number }>; deliveries: number }) =>
    ['nodeA', 'nodeB', 'T'].reduce((n, k) => n + (x.cpu[k]?.cpuMicros ?? 0), 0) /
    Math.max(1, x.deliveries);
  // S4's second node costs this much per message beyond one node alone (same load).
  const single = s4.s3.single;
  const extra =
    (perDelivery(s4.s3.sharded) - perDelivery(single)) *
    (single.deliveries / Math.max(1, single.sent));
  const recipients = cluster.layout.members - 1;
  const predicted = (m.microsPerMessage + extra + m.microsPerDelivery * recipients) / recipients;
  const measured = cluster.summary.ack1.nodeMicrosPerDelivery;
  const iso = s4.isolation.classic;
  const bytesPredicted = iso.nodeBBytesRead / Math.max(1, iso.messages);
  const bytesMeasured = m.subscriberBytesPerMessage;
  return [
    {
      what: 'both nodes’ CPU per delivery, rooms of 50 across two nodes, µs',
      predicted: r(predicted),
      measured,
      ratio: r(measured / predicted),
      basis: `a + b × ${recipients} + S4's second-node cost (${r(extra, 1)} µs/message, one redis-server), over ${recipients} recipients; measured with REDIS_ACK_REPLICAS=1`,
    },
    {
      what: 'bytes a node’s adapter subscriber reads per message, B',
      predicted: r(bytesPredicted, 1),
      measured: bytesMeasured,
      ratio: r(bytesMeasured / bytesPredicted),
      basis:
        "S4 isolation: node B's reads per message under the classic adapter (every message reaches every node); measured: the sharded subscriber's TCP bytes",
    },
  ];
}

const fmt = (x: number | undefined): string =>
  x === undefined ? 'none fits' : x.toLocaleString('en');

/** A Markdown table padded as Prettier pads it, so that the doc holding it stays formatted. */
export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) =>
    Math.max(3, h.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 3)).join(' | ')} |`;
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export const USERS = [10_000, 100_000, 1_000_000];
export const ROOM_SIZES = [10, 50, 1000];

export function sizingTable(
  m: Measured,
  placement: Placement,
  users = USERS,
  roomSizes = ROOM_SIZES,
  a: Assumptions = defaultAssumptions,
): string {
  const rows: string[][] = [];
  for (const u of users) {
    for (const size_ of roomSizes) {
      const s = size(m, u, size_, placement, a);
      const nodeBound =
        s.nodes.byCpu === undefined
          ? 'receiving'
          : s.nodes.byCpu >= s.nodes.byMemory
            ? 'CPU'
            : 'memory';
      const shardBound =
        s.shards.count === a.minShards &&
        Math.max(s.shards.byOps, s.shards.byBytes, s.shards.byMemory) < a.minShards
          ? 'minimum'
          : s.shards.byOps >= Math.max(s.shards.byBytes, s.shards.byMemory)
            ? 'ops'
            : s.shards.byBytes >= s.shards.byMemory
              ? 'bytes'
              : 'memory';
      const proxyBound =
        s.haproxy.count === a.minHaproxy &&
        Math.max(s.haproxy.byCpu, s.haproxy.byConnections) < a.minHaproxy
          ? 'minimum'
          : s.haproxy.byCpu >= s.haproxy.byConnections
            ? 'CPU'
            : 'connections';
      rows.push([
        u.toLocaleString('en'),
        size_.toLocaleString('en'),
        fmt(s.messagesPerSec),
        fmt(s.deliveriesPerSec),
        `${fmt(s.nodes.count)} (${nodeBound})`,
        String(s.nodes.nodesPerMessage),
        `${fmt(s.shards.count)} (${shardBound})`,
        `${fmt(s.haproxy.count)} (${proxyBound})`,
      ]);
    }
  }
  return table(
    [
      'users',
      'room size',
      'messages/s',
      'deliveries/s',
      'chat nodes (bound)',
      'nodes a message reaches',
      'Redis shards (bound)',
      'HAProxy (bound)',
    ],
    rows,
  );
}

export function inputsTable(m: Measured, a: Assumptions = defaultAssumptions): string {
  const rows: string[][] = [
    ['b: node CPU per delivery', `${m.microsPerDelivery} µs`, m.sources.microsPerDelivery ?? ''],
    [
      'a: node CPU per message, one node',
      `${m.microsPerMessage} µs`,
      m.sources.microsPerMessage ?? '',
    ],
    [
      'memory per connection (RSS)',
      `${(m.rssPerConnection / 1024).toFixed(1)} KB`,
      m.sources.rssPerConnection ?? '',
    ],
    [
      'idle CPU per connection',
      `${m.idleMicrosPerConnection} µs/s`,
      m.sources.idleMicrosPerConnection ?? '',
    ],
    [
      'sender’s node per message (cluster)',
      `${m.originMicrosPerMessage} µs`,
      m.sources.originMicrosPerMessage ?? '',
    ],
    [
      'other node with members, per message',
      `${m.receiveMicrosPerMessage} µs`,
      m.sources.receiveMicrosPerMessage ?? '',
    ],
    [
      'subscriber bytes per message per node',
      `${m.subscriberBytesPerMessage} B`,
      m.sources.subscriberBytesPerMessage ?? '',
    ],
    [
      'Redis commands per message, primaries',
      String(m.primaryOpsPerMessage),
      m.sources.primaryOpsPerMessage ?? '',
    ],
    [
      'Redis commands per message, replicas',
      String(m.replicaOpsPerMessage),
      m.sources.replicaOpsPerMessage ?? '',
    ],
    ['primary CPU per command', `${m.primaryMicrosPerOp} µs`, m.sources.primaryMicrosPerOp ?? ''],
    [
      'Redis bytes per message, less subscribers',
      `${m.redisBaseBytesPerMessage} B`,
      m.sources.redisBaseBytesPerMessage ?? '',
    ],
    [
      'primary memory per stored message',
      `${m.memoryPerMessage} B`,
      m.sources.memoryPerMessage ?? '',
    ],
    [
      'HAProxy CPU per delivery',
      `${m.haproxyMicrosPerDelivery ?? a.haproxyMicrosPerDeliveryFallback} µs`,
      m.sources.haproxyMicrosPerDelivery ?? '',
    ],
  ];
  return table(['input', 'value', 'source'], rows);
}

export function assumptionsTable(a: Assumptions = defaultAssumptions): string {
  const gib = (x: number) => `${(x / 1024 ** 3).toFixed(0)} GiB`;
  return table(
    ['assumption', 'value'],
    [
      ['messages per user per minute', String(a.messagesPerUserPerMinute)],
      ['chat node: one core, planned utilisation', `${a.nodeTargetUtilisation * 100} %`],
      ['chat node: memory for connections', gib(a.nodeMemoryForConnections)],
      ['spare chat nodes', String(a.spareNodes)],
      ['Redis primary: planned utilisation of its core', `${a.redisTargetUtilisation * 100} %`],
      ['Redis shard: network, in + out', `${(a.shardBytesPerSec / 1e6).toFixed(1)} MB/s`],
      ['Redis shard: memory for data', gib(a.shardMemory)],
      ['Redis shards at least', String(a.minShards)],
      ['history kept per room', `${a.historyLimit.toLocaleString('en')} messages`],
      [
        'HAProxy: cores per instance, planned utilisation',
        `${a.haproxyCores}, ${a.haproxyTargetUtilisation * 100} %`,
      ],
      ['HAProxy: connections per instance', a.haproxyConnections.toLocaleString('en')],
      ['HAProxy instances at least', String(a.minHaproxy)],
    ],
  );
}

/** Everything the capacity script prints and docs/capacity.md holds, from the two files. */
export function capacityReport(bench: BenchResults, cluster: ClusterBenchResults): string {
  const m = measuredFrom(bench, cluster);
  return [
    `Inputs: bench/results/results.json (${bench.profile} run of ${bench.date.slice(0, 10)}), bench/results/cluster.json (${cluster.profile} run of ${cluster.date.slice(0, 10)}).`,
    '',
    '### Sizes, members placed at random (HAProxy `balance roundrobin`, as deployed)',
    '',
    sizingTable(m, 'random'),
    '',
    '### Sizes, members of a room placed together (room affinity)',
    '',
    sizingTable(m, 'room'),
    '',
    '### Measured inputs',
    '',
    inputsTable(m),
    '',
    '### Assumptions',
    '',
    assumptionsTable(),
    '',
  ].join('\n');
}
