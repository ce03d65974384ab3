import { describe, expect, test } from 'vitest';
import type { Message, PresenceEvent } from '../../../common/contract.js';
import {
  asStored,
  collect,
  connect,
  joinOk,
  request,
  send,
  sendOk,
  waitFor,
  type Transport,
} from './client.js';
import { startNodes, type RedisTarget } from './cluster.js';

/**
 * Chat across nodes that share a Redis: every adapter, both transports. Run against one
 * redis-server and against a Redis Cluster.
 */
export function adapterSuite(
  name: string,
  target: () => RedisTarget,
  adapters: readonly ('classic' | 'sharded')[],
): void {
  describe.each(adapters)(`${name}: %s adapter`, (redisAdapter) => {
    describe.each<Transport>(['websocket', 'polling'])('clients on %s', (transport) => {
      test('chat across nodes: every message once, presence counts span the cluster', async () => {
        const [n1, n2] = await startNodes(2, target(), { redisAdapter });
        const alice = await connect(n1?.url ?? '', { name: 'alice', transports: [transport] });
        const bob = await connect(n2?.url ?? '', { name: 'bob', transports: [transport] });
        await joinOk(alice, 'general');
        const joined = waitFor<PresenceEvent>(alice, 'presence');
        const bobJoin = await joinOk(bob, 'general');
        expect(bobJoin.members.map((m) => m.name).sort()).toEqual(['alice', 'bob']);
        expect(await joined).toMatchObject({ action: 'join', count: 2, member: { name: 'bob' } });

        const aliceGot = collect<Message>(alice, 'message');
        const bobGot = collect<Message>(bob, 'message');
        const sentByAlice: Message[] = [];
        const sentByBob: Message[] = [];
        for (let i = 0; i < 5; i++) {
          sentByAlice.push(await sendOk(alice, 'general', `a${i}`));
          sentByBob.push(await sendOk(bob, 'general', `b${i}`));
        }
        const lastToBob = sentByAlice[4]?.id;
        const lastToAlice = sentByBob[4]?.id;
        if (!bobGot.some((m) => m.id === lastToBob)) {
          await waitFor<Message>(bob, 'message', (m) => m.id === lastToBob);
        }
        if (!aliceGot.some((m) => m.id === lastToAlice)) {
          await waitFor<Message>(alice, 'message', (m) => m.id === lastToAlice);
        }
        expect(bobGot.map(asStored)).toEqual(sentByAlice);
        expect(aliceGot.map(asStored)).toEqual(sentByBob);

        const list = await request(alice, 'rooms:list', {});
        expect(list.ok && list.rooms.find((r) => r.name === 'general')).toEqual({
          name: 'general',
          members: 2,
        });
        const left = waitFor<PresenceEvent>(alice, 'presence');
        bob.disconnect();
        expect(await left).toMatchObject({ action: 'leave', count: 1, member: { name: 'bob' } });
      });
    });

    test('history is shared, and a retry at another node is deduplicated', async () => {
      const [n1, n2, n3] = await startNodes(3, target(), { redisAdapter });
      const alice = await connect(n1?.url ?? '', { name: 'alice' });
      await joinOk(alice, 'general');
      const first = await send(alice, 'general', 'stored once', 'retry-across-nodes');
      await sendOk(alice, 'general', 'second');

      // The same user, reconnected through another node, retries the first message.
      const again = await connect(n2?.url ?? '', { name: 'alice', transports: ['polling'] });
      await joinOk(again, 'general');
      expect(await send(again, 'general', 'stored once', 'retry-across-nodes')).toEqual(first);

      const carol = await connect(n3?.url ?? '', { name: 'carol' });
      const joined = await joinOk(carol, 'general');
      expect(joined.history.map((m) => m.text)).toEqual(['stored once', 'second']);
      const since = await joinOk(carol, 'other');
      expect(since.history).toEqual([]);
    });

    test('a push to node 1 reaches clients on nodes 2 and 3', async () => {
      const token = 'cluster-push-token-0123';
      const [n1, n2, n3] = await startNodes(3, target(), { redisAdapter, pushToken: token });
      const bob = await connect(n2?.url ?? '', { name: 'bob' });
      const carol = await connect(n3?.url ?? '', { name: 'carol', transports: ['polling'] });
      await joinOk(bob, 'alerts');
      await joinOk(carol, 'alerts');
      const toBob = waitFor<Message>(bob, 'message');
      const toCarol = waitFor<Message>(carol, 'message');
      const res = await fetch(`${n1?.url ?? ''}/api/rooms/alerts/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'disk almost full', author: 'monitor' }),
      });
      expect(res.status).toBe(201);
      const { message } = (await res.json()) as { message: Message };
      expect(await toBob).toEqual(message);
      expect(await toCarol).toEqual(message);
    });
  });
}
