import {
  createServer as createNetServer,
  connect as connectTcp,
  type AddressInfo,
  type Socket,
} from 'node:net';
import { Redis } from 'ioredis';
import { describe, expect, onTestFinished, test } from 'vitest';
import { ChatUser } from '../../client/test/support/chat-user.js';
import { ErrorCode, type Message, type PresenceEvent } from '../../common/contract.js';
import type { Config } from '../src/config.js';
import {
  collect,
  connect,
  joinOk,
  newClientId,
  send,
  waitFor,
  identity,
} from './support/client.js';
import { health, newDeployment, startNode, startNodes } from './support/cluster.js';
import { freePort, RedisProcess } from './support/redis.js';

/** Orders message ids (`<ms>-<seq>`) as the store does. */
const byId = (a: string, b: string) => {
  const [am = 0, as = 0] = a.split('-').map(Number);
  const [bm = 0, bs = 0] = b.split('-').map(Number);
  return am - bm || as - bs;
};

/** A redis-server (AOF on) of the calling test's own, stopped when it finishes. */
async function ownRedis(): Promise<RedisProcess> {
  const redis = new RedisProcess({ appendonly: true });
  await redis.start();
  onTestFinished(async () => {
    await redis.stop();
  });
  return redis;
}

/** Three nodes of one deployment on `redis`, one after the other. */
async function threeNodes(redis: RedisProcess, overrides: Partial<Config> = {}) {
  const deployment = newDeployment();
  const nodes = [];
  for (let i = 0; i < 3; i++) nodes.push(await startNode(redis.url, deployment, overrides));
  return { nodes, deployment };
}

describe.each(['classic', 'sharded'] as const)(
  'Redis restart with the %s adapter',
  (redisAdapter) => {
    test('no node exits, sends fail fast meanwhile, delivery resumes, nothing acknowledged is lost', async () => {
      const redis = new RedisProcess({ appendonly: true });
      await redis.start();
      onTestFinished(async () => {
        await redis.stop();
      });
      const [n1, n2] = await startNodes(2, redis.url, { redisAdapter });
      if (!n1 || !n2) throw new Error('nodes did not start');
      const alice = await connect(n1.url, { name: 'alice' });
      const bob = await connect(n2.url, { name: 'bob' });
      await joinOk(alice, 'general');
      await joinOk(bob, 'general');
      // Carol uses the browser client's core: what she writes during the outage waits in her
      // outbox and goes out, once, when Redis is back.
      const carol = new ChatUser(n1.url, await identity(n1.url, 'carol'), 'general');
      await carol.ready();
      const bobGot = collect<Message>(bob, 'message');
      const acked: Message[] = [];
      const before = await send(alice, 'general', 'before the outage');
      if (before.ok) acked.push(before.message);

      await redis.stop();
      await Promise.all([health(n1.redis, false), health(n2.redis, false)]);
      for (const node of [n1, n2]) {
        // Reported, but the node stays in rotation: Redis is down for every node alike.
        const ready = await fetch(`${node.url}/readyz`);
        expect(ready.status).toBe(200);
        expect(await ready.json()).toEqual({ status: 'degraded', checks: { redis: 'down' } });
        expect(node.server.state).toBe('listening');
      }
      // A send during the outage is refused at once, with a code that says retry.
      const during = await send(alice, 'general', 'during the outage');
      expect(during).toMatchObject({ ok: false, error: { code: ErrorCode.UNAVAILABLE } });
      carol.send('written during the outage');

      await redis.start();
      const restarted = Date.now();
      await Promise.all([health(n1.redis, true), health(n2.redis, true)]);
      expect(await (await fetch(`${n1.url}/readyz`)).json()).toEqual({
        status: 'ready',
        checks: { redis: 'up' },
      });

      // The client's retry loop: the same clientId until the server acknowledges it.
      const clientId = newClientId();
      const delivered = waitFor<Message>(bob, 'message', (m) => m.text === 'after the outage');
      let ack = await send(alice, 'general', 'after the outage', clientId);
      while (!ack.ok && ack.error.code === ErrorCode.UNAVAILABLE) {
        ack = await send(alice, 'general', 'after the outage', clientId);
      }
      expect(ack.ok).toBe(true);
      if (ack.ok) acked.push(ack.message);
      await delivered;
      const resumedAfterMs = Date.now() - restarted;
      console.info(`${redisAdapter}: delivery resumed ${resumedAfterMs} ms after Redis restarted`);
      expect(resumedAfterMs).toBeLessThan(5000);

      await carol.settled();
      expect(carol.acked.map((m) => m.text)).toEqual(['written during the outage']);
      acked.push(...carol.acked);

      // Every acknowledged message is in history, once; carol, whose client repairs what a
      // broadcast lost, shows each once; bob's raw client got none twice.
      const ids = acked.map((m) => m.id).sort(byId);
      const history = await joinOk(bob, 'general');
      expect(history.history.map((m) => m.id)).toEqual(ids);
      await carol.hasShown(ids);
      expect(carol.shown.size).toBe(ids.length);
      const bobIds = bobGot.map((m) => m.id);
      expect(new Set(bobIds).size).toBe(bobIds.length);
      expect(bobIds.every((id) => ids.includes(id))).toBe(true);
    });

    test('members who stay connected through a Redis restart receive every acknowledged message', async () => {
      const redis = await ownRedis();
      const { nodes } = await threeNodes(redis, { redisAdapter });
      const users: ChatUser[] = [];
      for (const [i, node] of nodes.entries()) {
        for (const j of [0, 1]) {
          const name = `n${i}u${j}`;
          users.push(new ChatUser(node.url, await identity(node.url, name), 'general'));
        }
      }
      await Promise.all(users.map((u) => u.ready()));
      const connects = users.map((u) => u.connectedAt.length);

      // Everyone writes throughout; Redis goes away and comes back in the middle.
      let round = 0;
      const write = () => {
        for (const u of users) u.send(`${u.name} ${round}`);
        round++;
      };
      const writer = setInterval(write, 150);
      try {
        await users[0]?.ackedAtLeast(3);
        await redis.stop();
        await Promise.all(nodes.map((n) => health(n.redis, false)));
        write();
        await redis.start();
        await Promise.all(nodes.map((n) => health(n.redis, true)));
        const after = round;
        await Promise.all(users.map((u) => u.until(() => round >= after + 4)));
      } finally {
        clearInterval(writer);
      }
      await Promise.all(users.map((u) => u.settled()));

      // Every receipt of every acknowledged message, on every member that stayed connected.
      const acked = users.flatMap((u) => u.acked.map((m) => m.id));
      expect(new Set(acked).size).toBe(acked.length);
      await Promise.all(users.map((u) => u.hasShown(acked)));
      const missing = users.reduce((n, u) => n + acked.filter((id) => !u.shown.has(id)).length, 0);
      console.info(
        `${redisAdapter}: ${acked.length} acknowledged × ${users.length} members, ${missing} receipts missing`,
      );
      expect(missing).toBe(0);
      // Nobody reconnected: the repair reached members whose connection never dropped.
      expect(users.map((u) => u.connectedAt.length)).toEqual(connects);
    }, 60_000);

    test('when one node’s link to Redis comes back late, its members still get what others sent meanwhile', async () => {
      const redis = new RedisProcess({ appendonly: true });
      await redis.start();
      onTestFinished(async () => {
        await redis.stop();
      });
      // Node B reaches Redis through a link the test can cut; node A directly.
      const link = await tcpLink(new URL(redis.url).port);
      const deployment = newDeployment();
      const a = await startNode(redis.url, deployment, { redisAdapter });
      const b = await startNode(`redis://127.0.0.1:${link.port}`, deployment, { redisAdapter });
      const onA = await Promise.all(
        ['a0', 'a1'].map(async (n) => new ChatUser(a.url, await identity(a.url, n), 'general')),
      );
      const onB = await Promise.all(
        ['b0', 'b1'].map(async (n) => new ChatUser(b.url, await identity(b.url, n), 'general')),
      );
      const users = [...onA, ...onB];
      await Promise.all(users.map((u) => u.ready()));

      // B's link drops; A's members keep writing, stored and published while B hears nothing.
      link.cut();
      await health(b.redis, false);
      for (let i = 0; i < 3; i++) for (const u of onA) u.send(`${u.name} while B was cut ${i}`);
      await Promise.all(onA.map((u) => u.settled()));
      link.restore();
      await health(b.redis, true);
      for (const u of users) u.send(`${u.name} after`);
      await Promise.all(users.map((u) => u.settled()));

      const acked = users.flatMap((u) => u.acked.map((m) => m.id));
      await Promise.all(users.map((u) => u.hasShown(acked)));
      const missing = onB.reduce((n, u) => n + acked.filter((id) => !u.shown.has(id)).length, 0);
      console.info(`${redisAdapter}: B's members missed ${missing} of ${acked.length} messages`);
      expect(missing).toBe(0);
      expect(onB.map((u) => u.connectedAt.length)).toEqual([1, 1]);
    }, 60_000);
  },
);

/** A TCP link to a port that the test can cut (every connection reset, new ones refused) and restore. */
async function tcpLink(targetPort: string) {
  let open = true;
  const pairs = new Set<Socket>();
  const server = createNetServer((client) => {
    if (!open) {
      client.destroy();
      return;
    }
    const upstream = connectTcp(Number(targetPort), '127.0.0.1');
    for (const s of [client, upstream]) {
      pairs.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        pairs.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => {
    for (const s of pairs) s.destroy();
    server.close();
  });
  return {
    port: (server.address() as AddressInfo).port,
    cut: () => {
      open = false;
      for (const s of pairs) s.destroy();
    },
    restore: () => {
      open = true;
    },
  };
}

test('a node that has never reached Redis is not ready until it does', async () => {
  const port = await freePort();
  const redis = new RedisProcess({ port });
  onTestFinished(async () => {
    await redis.stop();
  });
  const node = await startNode(
    `redis://127.0.0.1:${port}`,
    newDeployment(),
    {},
    {
      waitForRedis: false,
    },
  );
  // Out of rotation: every join would be refused with UNAVAILABLE.
  const starting = await fetch(`${node.url}/readyz`);
  expect(starting.status).toBe(503);
  expect(await starting.json()).toEqual({ status: 'starting', checks: { redis: 'down' } });

  await redis.start();
  await health(node.redis, true);
  const ready = await fetch(`${node.url}/readyz`);
  expect(ready.status).toBe(200);
  expect(await ready.json()).toEqual({ status: 'ready', checks: { redis: 'up' } });
});

test('sign-in during a Redis outage answers 503 UNAVAILABLE, and works once Redis is back', async () => {
  const redis = new RedisProcess({ appendonly: true });
  await redis.start();
  onTestFinished(async () => {
    await redis.stop();
  });
  const [node] = await startNodes(1, redis.url, { scryptCost: 10 });
  if (!node) throw new Error('node did not start');
  const login = () =>
    fetch(`${node.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'quinn', password: 'password1' }),
    });
  const signup = await fetch(`${node.url}/api/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'quinn', password: 'password1' }),
  });
  expect(signup.status).toBe(201);

  await redis.stop();
  await health(node.redis, false);
  const during = await login();
  expect(during.status).toBe(503);
  expect(await during.json()).toMatchObject({ error: { code: ErrorCode.UNAVAILABLE } });

  await redis.start();
  await health(node.redis, true);
  expect((await login()).status).toBe(200);
});

/** A fault's duration, or a wait that proves nothing else arrives: never a synchronisation. */
const hold = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('an outage longer than a node’s heartbeat announces no one as left: nobody went', async () => {
  const redis = await ownRedis();
  const { nodes, deployment } = await threeNodes(redis);
  const clients = await Promise.all(
    nodes.flatMap((n, i) => [0, 1].map((j) => connect(n.url, { name: `u${i}${j}` }))),
  );
  for (const c of clients) await joinOk(c, 'general');
  const heard = clients.map((c) => collect<PresenceEvent>(c, 'presence'));

  // Longer than the 3 s after which a silent node counts as dead.
  await redis.stop();
  await Promise.all(nodes.map((n) => health(n.redis, false)));
  await hold(4500);
  await redis.start();
  await Promise.all(nodes.map((n) => health(n.redis, true)));
  // Every node works end to end again.
  for (const [i, n] of nodes.entries()) {
    const sender = await connect(n.url, { name: `after${i}` });
    await joinOk(sender, 'general');
    expect((await send(sender, 'general', 'after the outage')).ok).toBe(true);
  }
  // Each node beats every second and looks for dead ones: give them several beats past
  // the dead-after period to prove that none announces a leave.
  await hold(5000);
  const leaves = heard.flat().filter((e) => e.action === 'leave');
  // Nor was any node's registry dropped: each still lists its members, so that a real crash
  // later is still announced.
  const store = new Redis(redis.url);
  onTestFinished(() => {
    store.disconnect();
  });
  const registries = await store.keys(`${deployment}node:*:members`);
  const sizes = await Promise.all(registries.map((key) => store.hlen(key)));
  console.info(
    `${leaves.length} false leaves after a 4.5 s Redis outage; registries ${sizes.join(',')}`,
  );
  expect(leaves).toEqual([]);
  expect(sizes.sort()).toEqual([3, 3, 3]);
  expect(clients.every((c) => c.connected)).toBe(true);
}, 40_000);
