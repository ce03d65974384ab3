import { expect, test } from 'vitest';
import { ChatUser } from '../../client/test/support/chat-user.js';
import type { Transport } from '../../client/src/chat.js';
import { RECONNECTION } from '../../client/src/chat-options.js';
import { identity } from './support/client.js';
import { startDeployment } from './support/deployment.js';

/** Connections on one node, from its operators' listener. */
async function connectionsOn(metricsUrl: string): Promise<number> {
  const text = await (await fetch(`${metricsUrl}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith('chat_connections{'))
    .reduce((total, l) => total + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

const percentile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Infinity;

// 120 on WebSocket, 30 starting on polling and upgrading, 50 on polling only: browsers as the
// fault test of the report had them, each keeping HAProxy's cookie.
const MIX: (Transport[] | undefined)[] = [
  ...Array<Transport[]>(120).fill(['websocket']),
  ...Array<undefined>(30).fill(undefined),
  ...Array<Transport[]>(50).fill(['polling']),
];

test('after a SIGKILL of one node of three, its share of 200 clients is back and rejoined within 5 s', async () => {
  const d = await startDeployment();
  const users = await Promise.all(
    MIX.map(
      async (transports, i) =>
        new ChatUser(d.url, await identity(d.url, `user${i}`), `room${i % 10}`, {
          ...(transports ? { transports } : {}),
          // socket.io-client's own reconnection settings, as the browser client uses them.
          socket: {
            withCredentials: true,
            rejectUnauthorized: false,
            reconnectionDelay: 1000,
            reconnectionDelayMax: 5000,
          },
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
  expect(within5s).toBeGreaterThanOrEqual(0.99);
  expect(p50).toBeLessThanOrEqual(1500);
}, 150_000);
