import { request } from 'node:https';
import { Redis } from 'ioredis';
import { describe, expect, onTestFinished, test } from 'vitest';
import type { Message } from '../../common/contract.js';
import { ChatUser } from '../../client/test/support/chat-user.js';
import { identity, type Transport } from './support/client.js';
import { connectionsOn, startDeployment, type Deployment } from './support/deployment.js';
import { RedisCluster } from './support/redis-cluster.js';

// These tests run the production topology: redis-server, three node processes, HAProxy.
const FAULT_TEST_MS = 60_000;

/** Fast enough to chat hard in a test, while every other limit stays as in production. */
const LOAD_ENV = { RATE_LIMIT_PER_SEC: '100', RATE_LIMIT_BURST: '100' };

function httpsGet(
  url: string,
  options: { method?: string; body?: unknown } = {},
): Promise<{ status: number; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers = body === undefined ? {} : { 'content-type': 'application/json' };
    const req = request(
      url,
      { rejectUnauthorized: false, method: options.method ?? 'GET', headers },
      (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, headers: res.headers });
      },
    ).on('error', reject);
    req.end(body);
  });
}

/** Engine.IO requests one node refused as 'Session ID unknown', from its /metrics. */
async function unknownSessions(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => l.startsWith('chat_engine_errors_total{reason="Session ID unknown"}'));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

const sum = async (values: Promise<number>[]) =>
  (await Promise.all(values)).reduce((a, b) => a + b, 0);

/** What Redis holds for a room: the ground truth for "stored once, nothing lost". */
async function storedIds(deployment: Deployment, room: string): Promise<string[]> {
  if (!deployment.redis) throw new Error('this deployment has no redis-server');
  const redis = new Redis(deployment.redis.url);
  onTestFinished(() => {
    redis.disconnect();
  });
  const entries = (await redis.xrange(`chat:{${room}}:log`, '-', '+')) as [string, string[]][];
  return entries.map(([id]) => id);
}

/** The browser client's core, as a user through HAProxy: keeps its cookie, trusts the test CA. */
const user = async (
  url: string,
  name: string,
  room: string,
  transports?: Transport[],
  reconnection = true,
) =>
  new ChatUser(url, await identity(url, name), room, {
    ...(transports ? { transports } : {}),
    socket: { withCredentials: true, rejectUnauthorized: false, reconnection },
    outbox: { retryDelayMs: (n) => Math.min(1000, 100 * 2 ** n) },
  });

async function agents(
  d: Deployment,
  room: string,
  transports: (Transport[] | undefined)[],
  reconnection = true,
) {
  const list = await Promise.all(
    transports.map((t, i) => user(d.url, `user${i}`, room, t, reconnection)),
  );
  await Promise.all(list.map((a) => a.ready()));
  return list;
}

/** Each agent sends `count` messages, one every `everyMs`, while `during` runs. */
async function chatWhile(
  list: ChatUser[],
  count: number,
  everyMs: number,
  during: () => Promise<void>,
) {
  const sending = Promise.all(
    list.map(async (agent) => {
      for (let i = 0; i < count; i++) {
        agent.send(`${agent.name} #${i}`);
        await new Promise((resolve) => setTimeout(resolve, everyMs));
      }
    }),
  );
  await during();
  await sending;
  await Promise.all(list.map((a) => a.settled()));
}

/** Zero lost, zero duplicated: Redis holds each acknowledged message once, everyone shows each once. */
async function expectExactlyOnce(d: Deployment, room: string, list: ChatUser[], sent: number) {
  const acked = list.flatMap((a) => a.acked.map((m: Message) => m.id));
  expect(acked).toHaveLength(sent);
  expect(new Set(acked).size).toBe(sent);
  await Promise.all(list.map((a) => a.hasShown(acked)));
  const stored = await storedIds(d, room);
  expect(new Set(stored)).toEqual(new Set(acked));
  expect(stored).toHaveLength(sent);
  for (const agent of list) {
    expect(agent.shown.size).toBe(sent);
    expect(agent.gaps).toBe(0);
  }
  return { duplicateReceipts: list.reduce((n, a) => n + a.duplicateReceipts, 0) };
}

describe('through HAProxy with TLS', () => {
  test(
    'HTTP redirects to HTTPS; HTTPS sets HSTS and the sticky cookie',
    async () => {
      const d = await startDeployment();
      const plain = await fetch(`${d.httpUrl}/healthz`, { redirect: 'manual' });
      expect(plain.status).toBe(301);
      expect(plain.headers.get('location')).toBe(`${d.url}/healthz`);
      const secure = await httpsGet(`${d.url}/socket.io/?EIO=4&transport=polling`);
      expect(secure.status).toBe(200);
      expect(String(secure.headers['strict-transport-security'])).toContain('max-age=');
      expect(String(secure.headers['set-cookie'])).toMatch(/SERVERID=app\d; .*HttpOnly; Secure/i);
      // The node believes HAProxy's X-Forwarded-Proto: the session cookie is Secure.
      const signup = await httpsGet(`${d.url}/api/auth/signup`, {
        method: 'POST',
        body: { username: 'tls_user', password: 'password1' },
      });
      expect(signup.status).toBe(201);
      const cookies = [signup.headers['set-cookie']].flat().map(String);
      expect(cookies.find((c) => c.startsWith('chat_session='))).toMatch(/; Secure/);
      // Operator endpoints do not answer from outside.
      expect((await httpsGet(`${d.url}/metrics`)).status).toBe(404);
      expect((await httpsGet(`${d.url}/metrics/`)).status).toBe(404);
    },
    FAULT_TEST_MS,
  );

  test.each<[string, Transport[] | undefined]>([
    ['websocket', ['websocket']],
    ['polling', ['polling']],
    ['polling upgraded to websocket', undefined],
  ])(
    'clients on different nodes chat over %s',
    async (_label, transports) => {
      const d = await startDeployment({ env: LOAD_ENV });
      const list = await agents(d, 'general', [transports, transports, transports]);
      const perNode = await Promise.all(d.nodes.map((n) => connectionsOn(n.metricsUrl)));
      expect(perNode.filter((c) => c > 0).length).toBeGreaterThanOrEqual(2);
      await chatWhile(list, 5, 20, () => Promise.resolve());
      await expectExactlyOnce(d, 'general', list, 15);
    },
    FAULT_TEST_MS,
  );
});

describe.each(['classic', 'sharded'] as const)(
  'node failures with the %s adapter',
  (redisAdapter) => {
    test(
      'SIGKILL of one of three nodes mid-chat: its clients move within 10 s, nothing lost or doubled',
      async () => {
        const d = await startDeployment({ redisAdapter, env: LOAD_ENV });
        const list = await agents(d, 'general', [
          undefined,
          ['websocket'],
          ['polling'],
          undefined,
          ['websocket'],
          ['polling'],
        ]);
        const victim = d.nodes[0];
        if (!victim) throw new Error('no node');
        const onVictim = await connectionsOn(victim.metricsUrl);
        expect(onVictim).toBeGreaterThan(0);

        let killedAt = 0;
        await chatWhile(list, 30, 40, async () => {
          // Kill it mid-chat: once every client has a third of its messages acknowledged.
          await Promise.all(list.map((a) => a.ackedAtLeast(10)));
          killedAt = Date.now();
          await victim.stop('SIGKILL');
        });

        const moved = list.filter((a) => a.disconnectedAt.some((t) => t >= killedAt));
        expect(moved).toHaveLength(onVictim);
        const reconnectMs = moved.map(
          (a) => (a.connectedAt.find((t) => t > killedAt) ?? Infinity) - killedAt,
        );
        expect(Math.max(...reconnectMs)).toBeLessThan(10_000);
        const { duplicateReceipts } = await expectExactlyOnce(d, 'general', list, 180);
        console.info(
          `${redisAdapter}: ${moved.length} clients moved, slowest in ${Math.max(...reconnectMs)} ms; ` +
            `180 messages, 0 lost, 0 shown twice, ${duplicateReceipts} duplicate receipts deduped`,
        );
      },
      FAULT_TEST_MS,
    );
  },
);

test(
  'graceful drain (SIGTERM): HAProxy stops sending it clients, its clients move, nothing lost',
  async () => {
    const d = await startDeployment({ env: LOAD_ENV });
    const list = await agents(d, 'general', [undefined, ['websocket'], ['polling']]);
    const draining = d.nodes[1];
    if (!draining) throw new Error('no node');
    const before = await connectionsOn(draining.metricsUrl);
    expect(before).toBeGreaterThan(0);

    let exitCode: number | null = null;
    await chatWhile(list, 40, 50, async () => {
      const sigtermAt = Date.now();
      const exited = draining.stop('SIGTERM').then((code) => {
        exitCode = code;
      });
      await d.haproxy.serverState('app2', 'DOWN');
      // Marked down, HAProxy cut its sessions (on-marked-down shutdown-sessions). Each of its
      // clients notices (a polling one at its next request, which HAProxy sends elsewhere)
      // and reconnects to another node. The node itself may still hold a polling session
      // whose client is gone until the drain ends, so what counts is where the clients are.
      const moved = (a: ChatUser) => a.disconnectedAt.some((t) => t >= sigtermAt);
      await Promise.race(list.map((a) => a.until(() => list.filter(moved).length === before)));
      await Promise.all(list.map((a) => a.ready()));
      // New clients go elsewhere while the node still serves its last requests.
      await agents(d, 'general', [['polling'], ['websocket'], undefined]);
      const live = d.nodes.filter((n) => n !== draining);
      expect(await sum(live.map((n) => connectionsOn(n.metricsUrl)))).toBe(list.length + 3);
      await exited;
    });
    expect(exitCode).toBe(0);
    const sent = list.reduce((n, a) => n + a.acked.length, 0);
    await expectExactlyOnce(d, 'general', list, sent);
    expect(sent).toBe(120);
  },
  FAULT_TEST_MS,
);

test('stickiness: polling clients chat for a minute with zero "Session ID unknown"; without the cookie, errors', async () => {
  const [sticky, loose] = await Promise.all([
    startDeployment({ env: LOAD_ENV }),
    startDeployment({ sticky: false, env: LOAD_ENV }),
  ]);
  const polling: Transport[] = ['polling'];
  const chatting = await agents(sticky, 'general', [polling, polling, polling, polling]);
  // The same clients against the same nodes, minus the cookie: they cannot even keep a session.
  const lost = await Promise.all(
    [0, 1, 2, 3].map((i) => user(loose.url, `user${i}`, 'general', polling)),
  );

  // A minute of chat: each client sends every two seconds.
  await chatWhile(chatting, 30, 2000, () => Promise.resolve());

  const stickyErrors = await sum(sticky.nodes.map((n) => unknownSessions(n.metricsUrl)));
  const looseErrors = await sum(loose.nodes.map((n) => unknownSessions(n.metricsUrl)));
  console.info(
    `one minute of polling: ${stickyErrors} "Session ID unknown" with the sticky cookie, ` +
      `${looseErrors} without it (${lost.filter((a) => a.connectedAt.length > 0).length} of 4 ever connected)`,
  );
  expect(stickyErrors).toBe(0);
  expect(looseErrors).toBeGreaterThan(0);
  await expectExactlyOnce(sticky, 'general', chatting, 120);
}, 150_000);

test.each(['redis-server', 'redis cluster'] as const)(
  'presence heals when a node dies: the others hear its members leave within seconds (%s)',
  async (redis) => {
    let redisCluster: RedisCluster | undefined;
    if (redis === 'redis cluster') {
      const cluster = new RedisCluster();
      redisCluster = cluster;
      await cluster.start();
      onTestFinished(() => cluster.stop());
    }
    const d = await startDeployment(redisCluster ? { redisCluster } : {});
    const ws: Transport[] = ['websocket'];
    // The dead node's users do not come back (no reconnection), so only the reaper on a
    // live node can tell the others that they left.
    const list = await agents(d, 'general', [ws, ws, ws, ws, ws, ws], false);
    const victim = d.nodes[2];
    if (!victim) throw new Error('no node');
    const onVictim = await connectionsOn(victim.metricsUrl);
    expect(onVictim).toBeGreaterThan(0);
    const killedAt = Date.now();
    await victim.stop('SIGKILL');

    const dropped = (a: ChatUser) => a.disconnectedAt.some((t) => t >= killedAt);
    // Each client notices on its own: wait until all of the victim's have.
    const allNoticed = () => list.filter(dropped).length === onVictim;
    await Promise.race(
      list.map((a) =>
        a.until(
          allNoticed,
          undefined,
          () =>
            `the ${onVictim} clients of the dead node disconnected (` +
            list.map((b) => `${b.name} ${b.chat.connection}`).join(', ') +
            ')',
        ),
      ),
    );
    const gone = list.filter(dropped);
    const stayed = list.filter((a) => !dropped(a));
    const ghosts = gone.map((a) => a.selves[0] ?? '');
    // Nobody on the dead node said goodbye; a live node announces it for them.
    await Promise.all(stayed.map((a) => a.until(() => ghosts.every((g) => !a.members.has(g)))));
    const healedMs = Date.now() - killedAt;
    // Every list that is left shows exactly the users still connected.
    const live = stayed.map((a) => a.selves[0] ?? '');
    for (const a of stayed) {
      expect(a.members.size).toBe(live.length);
      expect(live.every((id) => a.members.has(id))).toBe(true);
    }
    console.info(
      `${redis}: presence healed ${healedMs} ms after a node with ${gone.length} clients died`,
    );
    expect(healedMs).toBeLessThan(10_000);
  },
  FAULT_TEST_MS,
);
