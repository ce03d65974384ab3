import { describe, expect, onTestFinished, test } from 'vitest';
import type { ChatUser } from '../../client/test/support/chat-user.js';
import type { Config } from '../src/config.js';
import {
  firstDelivery,
  keepWriting,
  settleAndAudit,
  storedAgainstAcked,
  THROUGH_HAPROXY,
  twoHundredMembers,
} from './support/chatting.js';
import { health, newDeployment, startNode } from './support/cluster.js';
import { connectionsOn, startDeployment } from './support/deployment.js';
import { databaseFor, messageRows, postgresForFile, STORES } from './support/postgres.js';
import { RedisProcess, streamsIn } from './support/redis.js';
import type { TestNode } from './support/server.js';

const postgres = postgresForFile();

const percentile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Infinity;

/**
 * What was stored, read back through a node, against what was acknowledged; with the
 * PostgreSQL store, counted in PostgreSQL itself too.
 */
async function storedFigures(url: string, users: ChatUser[], databaseUrl: string | undefined) {
  const stored = await storedAgainstAcked(url, users);
  const rows = databaseUrl === undefined ? undefined : await messageRows(databaseUrl);
  const inDatabase = rows
    ? `; ${rows.rows} rows in PostgreSQL (${rows.rows - rows.distinct} twice)`
    : '';
  return { ...stored, rows, text: `${stored.stored} stored (${stored.twice} twice)${inDatabase}` };
}

describe.each(STORES)('with the record in %s', (store) => {
  test('after a SIGKILL of one node of three, its share of 200 clients is back and rejoined within 5 s, and nothing acknowledged is lost, stored twice or shown twice', async () => {
    const databaseUrl = await databaseFor(store, postgres);
    const d = await startDeployment(databaseUrl ? { env: { DATABASE_URL: databaseUrl } } : {});
    const users = await twoHundredMembers(() => d.url, { socket: THROUGH_HAPROXY });
    const counts = await Promise.all(d.nodes.map((n) => connectionsOn(n.metricsUrl)));
    const index = counts.indexOf(Math.max(...counts));
    const victim = d.nodes[index];
    const survivor = d.nodes.find((n) => n !== victim);
    if (!victim || !survivor) throw new Error('no node');

    // Every member writes every 2 s (about 100 messages/s in all): the kill lands among
    // sends in flight on the victim, which their clients retry through another node.
    const writer = keepWriting(users);
    let killedAt: number;
    let moved: ChatUser[];
    try {
      // Members who have chatted: each shows a message of another before the kill. (One whose
      // timeline is still empty rejoins with the newest page instead of resuming.)
      const chatted = () => users.every((u) => u.receivedAt.size > 0);
      await users[0]?.until(chatted, 30_000, 'every member shown a message of another');
      killedAt = Date.now();
      await victim.stop('SIGKILL');
      const since = killedAt;
      const dropped = (u: ChatUser) => u.disconnectedAt.some((t) => t >= since);
      // Each client notices by itself (its transport closes, or HAProxy cuts it): wait for all.
      await Promise.race(
        users.map((u) => u.until(() => users.filter(dropped).length === counts[index], 30_000)),
      );
      moved = users.filter(dropped);
      await Promise.all(moved.map((u) => u.until(() => u.joinedAt.some((t) => t > since), 30_000)));
      await writer.rounds(2);
    } finally {
      writer.stop();
    }
    const back = moved
      .map((u) => (u.joinedAt.find((t) => t > killedAt) ?? Infinity) - killedAt)
      .sort((a, b) => a - b);
    const within5s = back.filter((ms) => ms <= 5000).length / back.length;

    const after = await settleAndAudit(users);
    const stored = await storedFigures(survivor.url, users, databaseUrl);
    const exited = d.nodes.filter((n) => n !== victim && !n.running).length;
    console.info(
      `${store}, node SIGKILL: ${moved.length} of 200 clients were on the killed node; rejoined ` +
        `p50 ${percentile(back, 0.5)} ms, p99 ${percentile(back, 0.99)} ms, max ${back.at(-1) ?? 0} ms; ` +
        `${(within5s * 100).toFixed(1)} % within 5 s; ${after.acked} acknowledged, ${stored.text}, ` +
        `${stored.lost} acknowledged not stored, ${after.receipts} receipts due, ${after.missing} ` +
        `missing (${after.missingBefore} before waiting), ${after.twice} shown twice; ` +
        `${exited} other nodes exited`,
    );
    expect(moved.length).toBe(counts[index]);
    // Every one came back, within a bound with room for a loaded CI machine. How fast is the
    // figure logged above (the 5 s target held in every run so far, idle or busy); speed
    // targets belong to the bench, where the machine is quiet.
    expect(back.every((ms) => ms <= 10_000)).toBe(true);
    expect(after.missing).toBe(0);
    expect(after.twice).toBe(0);
    // Each text is unique (name and round): once each in the store, and each acknowledged
    // one is there; a send retried through another node was not stored again.
    expect(stored.lost).toBe(0);
    expect(stored.twice).toBe(0);
    expect(stored.stored).toBe(after.acked);
    if (stored.rows) expect(stored.rows).toEqual({ rows: after.acked, distinct: after.acked });
    expect(exited).toBe(0);
  }, 150_000);

  test.each(['classic', 'sharded'] as const)(
    '200 members on three nodes who stay connected through a Redis restart receive every acknowledged message, stored once (%s adapter)',
    async (redisAdapter) => {
      const databaseUrl = await databaseFor(store, postgres);
      // With the record in PostgreSQL, Redis keeps nothing that must outlive it: it comes
      // back empty (no AOF, no snapshot), and history must be whole all the same.
      const redis = new RedisProcess({ appendonly: store === 'redis' });
      await redis.start();
      onTestFinished(async () => {
        await redis.stop();
      });
      const deployment = newDeployment();
      const overrides: Partial<Config> = { redisAdapter, ...(databaseUrl ? { databaseUrl } : {}) };
      const nodes: TestNode[] = [];
      for (let i = 0; i < 3; i++) nodes.push(await startNode(redis.url, deployment, overrides));
      const users = await twoHundredMembers((i) => nodes[i % 3]?.url ?? '', { prefix: 'm' });
      const connects = users.map((u) => u.connectedAt.length);

      // Every member writes every 2 s (about 100 messages/s in all); Redis restarts meanwhile.
      const writer = keepWriting(users);
      let backAfterMs: number;
      try {
        await users[0]?.ackedAtLeast(1);
        await redis.stop();
        await Promise.all(nodes.map((n) => health(n.redis, false)));
        await redis.start();
        const answering = Date.now();
        await Promise.all(nodes.map((n) => health(n.redis, true)));
        // The first message stored after Redis answers again, as a member received it.
        backAfterMs = (await firstDelivery(users, answering)) - answering;
        await writer.rounds(2);
      } finally {
        writer.stop();
      }

      // Every receipt of every acknowledged message, by every member of its room.
      const after = await settleAndAudit(users);
      const stored = await storedFigures(nodes[0]?.url ?? '', users, databaseUrl);
      const streams = await streamsIn(redis.url);
      const exited = nodes.filter((n) => n.server.state !== 'listening').length;
      console.info(
        `${store}, Redis restart, ${redisAdapter}: first delivery ${backAfterMs} ms after it ` +
          `answered again; ${after.acked} acknowledged, ${stored.text}, ${stored.lost} ` +
          `acknowledged not stored, ${after.receipts} receipts due, ${after.missing} missing ` +
          `(${after.missingBefore} before waiting), ${after.twice} shown twice; ` +
          `${exited} nodes exited; ${streams} streams in Redis`,
      );
      expect(after.missing).toBe(0);
      expect(after.twice).toBe(0);
      expect(stored.lost).toBe(0);
      expect(stored.twice).toBe(0);
      expect(stored.stored).toBe(after.acked);
      if (stored.rows) {
        expect(stored.rows).toEqual({ rows: after.acked, distinct: after.acked });
        // Read back from PostgreSQL: Redis came back empty and holds no message.
        expect(streams).toBe(0);
      }
      expect(exited).toBe(0);
      expect(backAfterMs).toBeLessThan(5000);
      expect(users.map((u) => u.connectedAt.length)).toEqual(connects);
    },
    150_000,
  );
});
