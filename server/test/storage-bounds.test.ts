import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ErrorCode } from '../../common/contract.js';
import type { Config } from '../src/config.js';
import { apiRequest } from './support/accounts.js';
import { connect, join, joinOk, send, sendOk, waitFor } from './support/client.js';
import { newDeployment } from './support/cluster.js';
import { RedisProcess } from './support/redis.js';
import { startTestNode } from './support/server.js';

const redis = new RedisProcess();
beforeAll(() => redis.start());
afterAll(() => redis.stop());

// Small numbers, so that the loop reaches every limit within a test.
const LIMITS: Partial<Config> = {
  maxRooms: 8,
  historyLimit: 20,
  maxTextLength: 2000,
  messageRatePerSec: 5,
  messageBurst: 10,
  roomsPerHour: 3,
  roomsPerHourPerAddress: 100,
  guestsPerHourPerAddress: 20,
};
const TEXT = 'x'.repeat(2000);

type StoreName = 'memory' | 'sqlite' | 'redis';

async function nodeWith(store: StoreName) {
  const dataDir = mkdtempSync(joinPath(tmpdir(), 'chat-bounds-'));
  const overrides: Partial<Config> =
    store === 'redis' ? { redisUrl: redis.url, redisPrefix: newDeployment() } : { store, dataDir };
  const node = await startTestNode({ ...LIMITS, ...overrides });
  return { node, dataDir };
}

/**
 * The loop of the report: a fresh guest, a fresh room, ten messages of 2,000 characters, out,
 * and again, from four loops at once, for `rounds` rounds each. Returns what was refused.
 */
async function abuse(url: string, rounds: number) {
  const refused = new Map<string, number>();
  /** Rooms in which the loop got at least one message stored. */
  const filled = new Set<string>();
  const count = (code: string) => refused.set(code, (refused.get(code) ?? 0) + 1);
  let n = 0;
  const loop = async (id: number) => {
    for (let round = 0; round < rounds; round++) {
      const guest = await apiRequest<{ user?: unknown }>(url, 'POST', '/api/auth/guest', {
        name: `spammer ${id}-${round}`,
      });
      if (guest.status !== 201 || guest.token === undefined) {
        count(`guest ${guest.status}`);
        continue;
      }
      const socket = await connect(url, { session: guest.token });
      for (let r = 0; r < 4; r++) {
        const ack = await join(socket, `spam-${n++}`);
        if (!ack.ok) {
          count(ack.error.code);
          continue;
        }
        for (let i = 0; i < 10; i++) {
          const sent = await send(socket, ack.room, TEXT);
          if (sent.ok) filled.add(ack.room);
          else count(sent.error.code);
        }
      }
      socket.disconnect();
    }
  };
  await Promise.all([0, 1, 2, 3].map(loop));
  return { refused, filled };
}

describe.each<StoreName>(['memory', 'sqlite', 'redis'])('storage bounds with %s', (store) => {
  test('a guest-and-room loop cannot make the store hold more than MAX_ROOMS × HISTORY_LIMIT; others keep chatting', async () => {
    const { node, dataDir } = await nodeWith(store);
    const { url } = node;
    const keeper = await connect(url, { name: 'keeper' });
    const friend = await connect(url, { name: 'friend' });
    await joinOk(keeper, 'team');
    await joinOk(friend, 'team');
    await sendOk(keeper, 'team', 'our history');

    const { refused, filled } = await abuse(url, 6);
    // More rooms were filled than the server keeps: the cap, not luck, bounded the store.
    expect(filled.size).toBeGreaterThan(LIMITS.maxRooms ?? 0);

    // The store holds at most MAX_ROOMS rooms of at most HISTORY_LIMIT messages each.
    const activity = await node.server.history.roomActivity();
    let messages = 0;
    for (const room of activity.keys()) {
      messages += (await node.server.history.latest(room, 1000)).messages.length;
    }
    const bound = (LIMITS.maxRooms ?? 0) * (LIMITS.historyLimit ?? 0);
    expect(activity.size).toBeLessThanOrEqual(LIMITS.maxRooms ?? 0);
    expect(messages).toBeLessThanOrEqual(bound);
    // The room its members were in kept its history; the refusals said why.
    expect(activity.has('team')).toBe(true);
    expect(refused.get(ErrorCode.ROOM_LIMIT) ?? 0).toBeGreaterThan(0);
    expect(refused.get('guest 429') ?? 0).toBeGreaterThan(0);

    // And the people who were there all along keep chatting.
    const heard = waitFor<{ text: string }>(friend, 'message', (m) => m.text === 'still here');
    expect((await send(keeper, 'team', 'still here')).ok).toBe(true);
    await heard;
    const size = await sizeOf(store, dataDir, node.redis ? redis.url : undefined);
    console.info(
      `${store}: ${filled.size} rooms filled, ${messages} messages kept in ${activity.size} rooms (bound ${bound}); refused ${JSON.stringify(Object.fromEntries(refused))}; ${size}`,
    );
  }, 60_000);
});

async function sizeOf(store: StoreName, dataDir: string, redisUrl: string | undefined) {
  if (store === 'sqlite') return `chat.db ${statSync(joinPath(dataDir, 'chat.db')).size} bytes`;
  if (store === 'redis' && redisUrl) {
    const client = new Redis(redisUrl);
    const info = await client.info('memory');
    client.disconnect();
    return `redis used_memory ${/used_memory:(\d+)/.exec(info)?.[1] ?? '?'} bytes`;
  }
  return `heap ${process.memoryUsage().heapUsed} bytes`;
}
