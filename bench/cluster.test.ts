// The cluster bench at toy size, for correctness only: a real three-primary Redis Cluster and
// a real PostgreSQL, two chat nodes with the record in Redis under each acknowledgement
// policy and with the record in PostgreSQL, and one node on SQLite; every delivery accounted
// for, and Redis's commands and bytes, the subscribers' reads and PostgreSQL's WAL found. No
// figure is asserted beyond being there: timing belongs to `npm run bench:cluster`.
import { expect, test } from 'vitest';
import { clusterProfiles, runClusterBench, type AnyRun } from './lib/cluster-bench.js';

const redisBacked = (run: AnyRun) => run.step !== 'sqlite';

test('the cluster bench runs every step on a real cluster and accounts for every message', async () => {
  const profile = clusterProfiles.tiny;
  const results = await runClusterBench({
    profile,
    built: false,
    // The test runner's own process must not be pinned to a core.
    cores: { server: undefined, generator: undefined },
    log: () => undefined,
  });
  expect(results.runs.map((r) => r.step)).toEqual(['ack1', 'ack0', 'postgres', 'sqlite']);
  for (const run of results.runs) {
    const what = run.step;
    expect(run.sent, what).toBeGreaterThan(0);
    expect({ lost: run.lost, refused: run.refused, unacked: run.unacked }, what).toEqual({
      lost: 0,
      refused: 0,
      unacked: 0,
    });
    expect(run.deliveries, what).toBe(run.expectedDeliveries);
    expect(run.ack.count, what).toBe(run.sent);
    expect(run.nodeMicrosPerMessage.nodeA, what).toBeGreaterThan(0);
  }
  for (const run of results.runs) {
    if (run.step === 'sqlite') continue;
    const what = run.step;
    expect(run.opsPerMessage.byCommand.spublish, what).toBeGreaterThan(0);
    expect(run.bytesPerMessage.in, what).toBeGreaterThan(0);
    // Both nodes have members of every room: both subscribers read every message.
    expect(run.subscriberBytesPerMessage.nodeA, what).toBeGreaterThan(0);
    expect(run.subscriberBytesPerMessage.nodeB, what).toBeGreaterThan(0);
  }
  expect(results.runs.filter(redisBacked)).toHaveLength(3);
  const [ack1, ack0, postgres, sqlite] = results.runs;
  // Only the policy that waits for a replica sends WAIT; with the record in PostgreSQL,
  // Redis stores no message at all.
  if (ack1?.step !== 'ack1' || ack0?.step !== 'ack0') throw new Error('steps out of order');
  expect(ack1.opsPerMessage.byCommand.wait).toBeGreaterThan(0);
  expect(ack0.opsPerMessage.byCommand.wait).toBeUndefined();
  expect(ack0.opsPerMessage.byCommand.xadd).toBeGreaterThan(0);
  if (postgres?.step !== 'postgres') throw new Error('no postgres step');
  expect(postgres.opsPerMessage.byCommand.wait).toBeUndefined();
  expect(postgres.opsPerMessage.byCommand.xadd).toBeUndefined();
  // Each message is at least one committed transaction, and its WAL is found.
  expect(postgres.postgres.commitsPerMessage).toBeGreaterThanOrEqual(1);
  expect(postgres.postgres.walBytesPerMessage).toBeGreaterThan(0);
  expect(postgres.postgres.walByKind?.['Heap/INSERT']?.records).toBeGreaterThanOrEqual(1);
  expect(postgres.postgres.microsPerMessage).toBeGreaterThan(0);
  // BEGIN, the room's lock, the insert, COMMIT at least; the insert writes WAL.
  expect(postgres.postgres.statementsPerMessage).toBeGreaterThanOrEqual(4);
  const insert = postgres.postgres.statements.find((q) =>
    q.query.includes('INSERT INTO message_dedup'),
  );
  expect(insert?.calls).toBe(1);
  expect(insert?.walBytes).toBeGreaterThan(0);
  expect(results.postgres.fsync).toBe('on');
  // One node, with node A's half of each room only.
  if (sqlite?.step !== 'sqlite') throw new Error('no sqlite step');
  expect(sqlite.nodes).toBe(1);
  expect(sqlite.cpuMicros.nodeB).toBe(0);
  expect(sqlite.deliveries).toBe(sqlite.sent * (Math.ceil(profile.members / 2) - 1));
  expect(results.storedBytesPerMessage).toBeGreaterThan(0);
  expect(results.summary.postgres.runs).toBe(1);
  expect(results.summary.sqlite.runs).toBe(1);
}, 240_000);
