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
import { openDatabase } from '../src/storage/sqlite.js';

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
  // In memory a room keeps HISTORY_LIMIT messages; on disk everything is kept, and what bounds
  // it is each user's message rate.
  const onDisk = store === 'sqlite';
  test('a guest-and-room loop cannot make the store hold more than MAX_ROOMS rooms, of HISTORY_LIMIT messages in memory or of each user’s rate on disk; others keep chatting', async () => {
    const { node, dataDir } = await nodeWith(store);
    const startedAt = Date.now();
    const { url } = node;
    const keeper = await connect(url, { name: 'keeper' });
    const friend = await connect(url, { name: 'friend' });
    await joinOk(keeper, 'team');
    await joinOk(friend, 'team');
    await sendOk(keeper, 'team', 'our history');

    const { refused, filled } = await abuse(url, 6);
    const seconds = (Date.now() - startedAt) / 1000;
    // More rooms were filled than the server keeps: the cap, not luck, bounded the store.
    expect(filled.size).toBeGreaterThan(LIMITS.maxRooms ?? 0);

    // The store holds at most MAX_ROOMS rooms; in memory, of at most HISTORY_LIMIT messages.
    const activity = await node.server.history.roomActivity();
    const perAuthor = new Map<string, number>();
    let messages = 0;
    for (const room of activity.keys()) {
      const held = (await node.server.history.latest(room, 100_000)).messages;
      messages += held.length;
      for (const m of held) perAuthor.set(m.author.id, (perAuthor.get(m.author.id) ?? 0) + 1);
    }
    expect(activity.size).toBeLessThanOrEqual(LIMITS.maxRooms ?? 0);
    // On disk, no user stored more than their burst and their rate for the time it ran.
    const perUser = (LIMITS.messageBurst ?? 0) + (LIMITS.messageRatePerSec ?? 0) * seconds;
    const bound = onDisk
      ? Math.floor(perUser) * perAuthor.size
      : (LIMITS.maxRooms ?? 0) * (LIMITS.historyLimit ?? 0);
    expect(messages).toBeLessThanOrEqual(bound);
    if (onDisk) for (const count of perAuthor.values()) expect(count).toBeLessThanOrEqual(perUser);
    // The room its members were in kept its history; the refusals said why.
    expect(activity.has('team')).toBe(true);
    expect(refused.get(ErrorCode.ROOM_LIMIT) ?? 0).toBeGreaterThan(0);
    expect(refused.get('guest 429') ?? 0).toBeGreaterThan(0);

    // And the people who were there all along keep chatting.
    const heard = waitFor<{ text: string }>(friend, 'message', (m) => m.text === 'still here');
    expect((await send(keeper, 'team', 'still here')).ok).toBe(true);
    await heard;
    const size = await sizeOf(store, dataDir, node.redis ? redis.url : undefined);
    // What the loop cost on disk, guests, sessions and rooms included (printed; the cost of a
    // message alone is measured by `npm run bench:history`).
    let grown = 0;
    if (onDisk) {
      await node.close();
      grown = checkpointedBytes(joinPath(dataDir, 'chat.db')) - emptyDatabaseBytes();
    }
    console.info(
      `${store}: ${filled.size} rooms filled, ${messages} messages kept in ${activity.size} rooms (bound ${bound}) from ${perAuthor.size} users in ${seconds.toFixed(1)} s; refused ${JSON.stringify(Object.fromEntries(refused))}; ${size}${onDisk ? `; the file grew ${grown} bytes` : ''}`,
    );
  }, 60_000);
});

/** A SQLite file's size once its write-ahead log is moved into it. */
function checkpointedBytes(file: string): number {
  const db = openDatabase(file);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return statSync(file).size;
}

/** What a database holds before its first message: the schema. */
const emptyDatabaseBytes = (): number =>
  checkpointedBytes(joinPath(mkdtempSync(joinPath(tmpdir(), 'chat-empty-')), 'chat.db'));

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
