// The capacity model: its arithmetic on inputs made by hand, and docs/capacity.md kept true
// (its tables are what the model prints from the committed bench results).
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import type { BenchResults } from '../../bench/lib/results.js';
import type { ClusterBenchResults } from '../../bench/lib/cluster-bench.js';
import {
  capacityReport,
  defaultAssumptions,
  nodesPerRoom,
  size,
  table,
  type Assumptions,
  type Measured,
} from '../../scripts/lib/capacity.js';

const measured: Measured = {
  microsPerDelivery: 10,
  microsPerMessage: 100,
  rssPerConnection: 1000,
  idleMicrosPerConnection: 0,
  originMicrosPerMessage: 100,
  receiveMicrosPerMessage: 50,
  subscriberBytesPerMessage: 400,
  primaryOpsPerMessage: 10,
  replicaOpsPerMessage: 5,
  primaryMicrosPerOp: 5,
  redisBaseBytesPerMessage: 1000,
  memoryPerMessage: 500,
  haproxyMicrosPerDelivery: 20,
  sources: {},
};

const assumptions: Assumptions = {
  ...defaultAssumptions,
  nodeTargetUtilisation: 0.5,
  nodeMemoryForConnections: 1e9,
  spareNodes: 1,
  redisTargetUtilisation: 0.5,
  shardBytesPerSec: 1e6,
  shardMemory: 1e7,
  minShards: 3,
  historyLimit: 100,
  haproxyCores: 2,
  haproxyTargetUtilisation: 0.5,
  haproxyConnections: 50_000,
  minHaproxy: 2,
};

describe('capacity model', () => {
  test('counts the nodes a room spans', () => {
    expect(nodesPerRoom(1, 50, 1000, 'random')).toBe(1);
    // Two members, two nodes: both on one node half of the time.
    expect(nodesPerRoom(2, 2, 1000, 'random')).toBe(1.5);
    // Placed together: as few nodes as hold the room (100 users a node).
    expect(nodesPerRoom(10, 50, 1000, 'room')).toBe(1);
    expect(nodesPerRoom(10, 250, 1000, 'room')).toBe(3);
  });

  test('sizes nodes by CPU, shards by memory, HAProxy by connections', () => {
    // 60,000 users, one message a minute: 1,000 messages/s, 49,000 deliveries/s.
    const s = size(measured, 60_000, 50, 'random', assumptions);
    expect(s.messagesPerSec).toBe(1000);
    expect(s.deliveriesPerSec).toBe(49_000);
    expect(s.rooms).toBe(1200);
    // One node: (100 + 49 × 10) µs × 1,000/s = 0.59 core, over 0.5 planned: 2 nodes. Two
    // nodes: each message also reaches the other (50 µs): 0.64 core, 2 still do. Plus a spare.
    expect(s.nodes.byMemory).toBe(1);
    expect(s.nodes.byCpu).toBe(2);
    expect(s.nodes.count).toBe(3);
    expect(s.nodes.cores).toBe(0.64);
    // 10,000 commands/s × 5 µs = 0.05 core: 1 shard. (1,000 + 2 × 400) B × 1,000/s = 1.8 MB/s:
    // 2 shards. 1,200 rooms × 100 messages × 500 B = 60 MB: 6 shards.
    expect(s.shards).toMatchObject({ byOps: 1, byBytes: 2, byMemory: 6, count: 6 });
    expect(s.shards.opsPerSec).toBe(10_000);
    // 49,000 deliveries × 20 µs = 0.98 core over 2 × 0.5: 1 instance; 60,000 connections
    // over 50,000 each: 2.
    expect(s.haproxy).toMatchObject({ byCpu: 1, byConnections: 2, count: 2, cores: 0.98 });
  });

  test('sizes nodes by memory when connections outweigh the CPU', () => {
    const s = size(measured, 6000, 10, 'room', { ...assumptions, nodeMemoryForConnections: 1e6 });
    // 6,000 × 1,000 B over 1 MB a node: 6 nodes; 100 messages/s need a fraction of one core.
    expect(s.nodes).toMatchObject({ byMemory: 6, byCpu: 1, count: 7, nodesPerMessage: 1 });
    expect(s.shards.count).toBe(3);
  });

  test('charges every node a room reaches: rooms spread at random need far more nodes', () => {
    // Rooms of 1,000 at random over many nodes reach nearly every node, and each message costs
    // each of them 5 ms; placed together, a room reaches one node.
    const heavy = { ...measured, receiveMicrosPerMessage: 5000 };
    const spread = size(heavy, 60_000, 1000, 'random', assumptions);
    const together = size(heavy, 60_000, 1000, 'room', assumptions);
    expect(together.nodes).toMatchObject({ byCpu: 21, nodesPerMessage: 1 });
    expect(spread.nodes.nodesPerMessage).toBeGreaterThan(900);
    expect(spread.nodes.count).toBeGreaterThan(100 * (together.nodes.count ?? 0));
  });

  test('pads a table as Prettier does', () => {
    expect(table(['a', 'long header'], [['12345', 'x']])).toBe(
      '| a     | long header |\n| ----- | ----------- |\n| 12345 | x           |',
    );
  });
});

describe('docs/capacity.md', () => {
  const json = (path: string): unknown =>
    JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8'));

  test('holds the tables the model prints from the committed bench results', () => {
    const doc = readFileSync(new URL('../../docs/capacity.md', import.meta.url), 'utf8');
    const start = doc.indexOf('<!-- capacity -->\n\n');
    const end = doc.indexOf('<!-- /capacity -->');
    expect(start, 'the <!-- capacity --> block').toBeGreaterThan(0);
    const block = doc.slice(start + '<!-- capacity -->\n\n'.length, end);
    const report = capacityReport(
      json('../../bench/results/results.json') as BenchResults,
      json('../../bench/results/cluster.json') as ClusterBenchResults,
    );
    expect(block.trim()).toBe(report.trim());
  });
});
