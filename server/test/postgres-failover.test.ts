import { expect, onTestFinished, test } from 'vitest';
import {
  firstDelivery,
  keepWriting,
  settleAndAudit,
  THROUGH_HAPROXY,
  twoHundredMembers,
} from './support/chatting.js';
import { startDeployment, type Deployment } from './support/deployment.js';
import { messageRows, PostgresProcess } from './support/postgres.js';

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
  const users = await twoHundredMembers(() => d.url, { socket: THROUGH_HAPROXY });
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
    backAfterMs = (await firstDelivery(users, answering)) - answering;
    await writer.rounds(2);
  } finally {
    writer.stop();
  }

  const after = await settleAndAudit(users);
  const { rows, distinct } = await messageRows(postgres.url());
  console.info(
    `postgres SIGKILL: down ${downMs} ms, first delivery ${backAfterMs} ms after it answered again; ` +
      `${after.acked} acknowledged, ${rows} stored (${rows - distinct} twice), ${after.receipts} receipts due, ` +
      `${after.missing} missing (${after.missingBefore} before waiting), ${after.twice} shown twice; ` +
      `${d.nodes.filter((n) => !n.running).length} nodes exited`,
  );
  expect(after.missing).toBe(0);
  expect(after.twice).toBe(0);
  // Each text is unique (name and round): one row each, and each acknowledged one is there.
  expect(rows).toBe(distinct);
  expect(rows).toBe(after.acked);
  expect(d.nodes.every((n) => n.running)).toBe(true);
  expect(users.map((u) => u.connectedAt.length)).toEqual(connects);
  expect(backAfterMs).toBeLessThan(5000);
}, 240_000);
