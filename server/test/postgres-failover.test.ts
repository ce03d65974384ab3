import pg from 'pg';
import { expect, onTestFinished, test } from 'vitest';
import { ChatUser } from '../../client/test/support/chat-user.js';
import { RECONNECTION } from '../../client/src/model/chat-options.js';
import { audit, keepWriting, TRANSPORT_MIX } from './support/chatting.js';
import { identity } from './support/client.js';
import { startDeployment, type Deployment } from './support/deployment.js';
import { PostgresProcess } from './support/postgres.js';

const ROOMS = 10;
const msOf = (id: string) => Number(id.slice(0, id.indexOf('-')));

/** /readyz of every node, as HAProxy would see it. */
const readiness = (d: Deployment) =>
  Promise.all(
    d.nodes.map(
      async (n) => ((await (await fetch(`${n.url}/readyz`)).json()) as { status: string }).status,
    ),
  );

test('PostgreSQL SIGKILLed and restarted under 200 chatting clients: no node exits, sends wait, nothing acknowledged is lost, stored twice or shown twice', async () => {
  const postgres = new PostgresProcess({ fsync: false });
  await postgres.start();
  onTestFinished(async () => {
    await postgres.stop();
  });
  const d = await startDeployment({ env: { DATABASE_URL: postgres.url() } });
  const users = await Promise.all(
    TRANSPORT_MIX.map(
      async (transports, i) =>
        new ChatUser(d.url, await identity(d.url, `user${i}`), `room${i % ROOMS}`, {
          ...(transports ? { transports } : {}),
          socket: { withCredentials: true, rejectUnauthorized: false, ...RECONNECTION },
        }),
    ),
  );
  await Promise.all(users.map((u) => u.ready(60_000)));
  const connects = users.map((u) => u.connectedAt.length);

  // Every member writes every 2 s (about 100 messages/s in all) through the outage.
  const writer = keepWriting(users);
  let downMs: number;
  let backAfterMs: number;
  try {
    await users[0]?.ackedAtLeast(2);
    const killedAt = Date.now();
    await postgres.stop('SIGKILL');
    // Every node notices and says so, and stays in the balancer (200, degraded).
    await expect
      .poll(() => readiness(d), { timeout: 15_000 })
      .toEqual(['degraded', 'degraded', 'degraded']);
    await writer.rounds(1);
    downMs = Date.now() - killedAt;

    await postgres.start();
    const answering = Date.now();
    // The first message stored after Postgres answers again, as a member received it.
    const firstAfter = () => {
      let first = Infinity;
      for (const u of users) {
        for (const [id, at] of u.receivedAt) if (msOf(id) >= answering) first = Math.min(first, at);
      }
      return first;
    };
    await users[0]?.until(() => firstAfter() < Infinity, 30_000, 'a delivery after the restart');
    backAfterMs = firstAfter() - answering;
    await writer.rounds(2);
  } finally {
    writer.stop();
  }
  await Promise.all(users.map((u) => u.settled()));

  const { ackedIn, acked, receipts, missing } = audit(users);
  await Promise.all(users.map((u) => u.hasShown(ackedIn.get(u.room) ?? [])));
  const after = audit(users);
  const check = new pg.Client(postgres.url());
  await check.connect();
  onTestFinished(() => check.end());
  const stored = await check.query<{ rows: string; distinct: string }>(
    'SELECT count(*) AS rows, count(DISTINCT (room, text)) AS distinct FROM messages',
  );
  const rows = Number(stored.rows[0]?.rows);
  const distinctTexts = Number(stored.rows[0]?.distinct);
  console.info(
    `postgres SIGKILL: down ${downMs} ms, first delivery ${backAfterMs} ms after it answered again; ` +
      `${acked} acknowledged, ${rows} stored (${rows - distinctTexts} twice), ${receipts} receipts due, ` +
      `${after.missing} missing (${missing} before waiting), ${after.twice} shown twice; ` +
      `${d.nodes.filter((n) => !n.running).length} nodes exited`,
  );
  expect(after.missing).toBe(0);
  expect(after.twice).toBe(0);
  // Each text is unique (name and round): one row each, and each acknowledged one is there.
  expect(rows).toBe(distinctTexts);
  expect(rows).toBe(acked);
  expect(d.nodes.every((n) => n.running)).toBe(true);
  expect(users.map((u) => u.connectedAt.length)).toEqual(connects);
  expect(backAfterMs).toBeLessThan(5000);
}, 240_000);
