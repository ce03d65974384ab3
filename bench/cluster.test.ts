// The cluster bench at toy size, for correctness only: a real three-primary Redis Cluster, two
// chat nodes with each acknowledgement policy, every delivery accounted for, and Redis's
// commands, bytes and the subscribers' reads found. No figure is asserted beyond being there:
// timing belongs to `npm run bench:cluster`.
import { expect, test } from 'vitest';
import { clusterProfiles, runClusterBench } from './lib/cluster-bench.js';

test('the cluster bench runs both policies on a real cluster and accounts for every message', async () => {
  const results = await runClusterBench({
    profile: clusterProfiles.tiny,
    built: false,
    // The test runner's own process must not be pinned to a core.
    cores: { server: undefined, generator: undefined },
    log: () => undefined,
  });
  expect(results.runs.map((r) => r.ackReplicas)).toEqual([1, 0]);
  for (const run of results.runs) {
    const what = `REDIS_ACK_REPLICAS=${run.ackReplicas}`;
    expect(run.sent, what).toBeGreaterThan(0);
    expect({ lost: run.lost, refused: run.refused, unacked: run.unacked }, what).toEqual({
      lost: 0,
      refused: 0,
      unacked: 0,
    });
    expect(run.deliveries, what).toBe(run.expectedDeliveries);
    expect(run.ack.count, what).toBe(run.sent);
    expect(run.opsPerMessage.byCommand.spublish, what).toBeGreaterThan(0);
    expect(run.bytesPerMessage.in, what).toBeGreaterThan(0);
    // Both nodes have members of every room: both subscribers read every message.
    expect(run.subscriberBytesPerMessage.nodeA, what).toBeGreaterThan(0);
    expect(run.subscriberBytesPerMessage.nodeB, what).toBeGreaterThan(0);
  }
  // Only the policy that waits for a replica sends WAIT.
  const [ack1, ack0] = results.runs;
  expect(ack1?.opsPerMessage.byCommand.wait).toBeGreaterThan(0);
  expect(ack0?.opsPerMessage.byCommand.wait).toBeUndefined();
  expect(results.storedBytesPerMessage).toBeGreaterThan(0);
}, 120_000);
