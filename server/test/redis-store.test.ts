import { Redis, type RedisOptions } from 'ioredis';
import { afterAll, beforeAll, expect, onTestFinished, test } from 'vitest';
import { createRedisHistoryStore } from '../src/messages/redis-store.js';
import { StoreUnavailableError } from '../src/messages/store.js';
import { historyStoreSuite, type StoreFactoryOptions } from './support/history-store-suite.js';
import { RedisProcess } from './support/redis.js';

const redis = new RedisProcess();
let prefixes = 0;

beforeAll(() => redis.start());
afterAll(() => redis.stop());

function connect(options: RedisOptions = {}): Redis {
  const client = new Redis(redis.url, { enableOfflineQueue: false, ...options });
  onTestFinished(() => {
    client.disconnect();
  });
  return client;
}

async function createStore(options: StoreFactoryOptions) {
  const client = connect({ enableOfflineQueue: true });
  await client.ping();
  // Each test gets keys of its own on the one shared server.
  return createRedisHistoryStore(client, { ...options, prefix: `t${prefixes++}:` });
}

// Redis trims whole stream nodes (stream-node-max-entries, 100 by default).
historyStoreSuite('redis', createStore, 100);

/** Resolves once the client is connected: with no offline queue, commands before that fail. */
async function ready(client: Redis): Promise<Redis> {
  if (client.status !== 'ready') await new Promise((resolve) => client.once('ready', resolve));
  return client;
}

test('retries of one clientId from several connections at once store it once', async () => {
  const prefix = `t${prefixes++}:`;
  const clients = await Promise.all([connect(), connect(), connect()].map(ready));
  const stores = clients.map((c) =>
    createRedisHistoryStore(c, { limit: 100, dedupTtlMs: 60_000, prefix }),
  );
  const input = {
    room: 'r',
    author: { id: 'u1', name: 'a' },
    text: 'once',
    clientId: 'k',
    origin: 'o1',
  };
  const results = await Promise.all(
    stores.flatMap((s) => [s.append(input), s.append(input), s.append(input)]),
  );
  expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
  expect(new Set(results.map((r) => r.message.id)).size).toBe(1);
  expect((await stores[0]?.latest('r', 10))?.messages).toHaveLength(1);
});

test('reactions to one message from three nodes at once all count, each at a position of its own', async () => {
  const prefix = `t${prefixes++}:`;
  const clients = await Promise.all([connect(), connect(), connect()].map(ready));
  const stores = clients.map((c) =>
    createRedisHistoryStore(c, { limit: 1000, dedupTtlMs: 60_000, prefix }),
  );
  const [first] = stores;
  if (!first) throw new Error('no store');
  const { message } = await first.append({
    room: 'r',
    author: { id: 'u0', name: 'a' },
    text: 'popular',
    clientId: 'k',
    origin: 'o1',
  });
  const outcomes = await Promise.all(
    Array.from({ length: 30 }, (_, i) =>
      (stores[i % 3] ?? first).change('r', message.id, {
        kind: 'react',
        by: { id: `u${i}`, name: `user${i}` },
        emoji: '👍',
        add: true,
        maxEmoji: 20,
      }),
    ),
  );
  const positions = outcomes.map((o) => (o.status === 'changed' ? o.message.pos : undefined));
  expect(new Set(positions).size).toBe(30);
  expect(positions).not.toContain(undefined);
  expect((await first.get('r', message.id))?.reactions?.[0]?.users).toHaveLength(30);
  // Every change named the one before it: the positions form one chain.
  const prevs = new Set(outcomes.map((o) => (o.status === 'changed' ? o.prev : undefined)));
  expect(prevs.size).toBe(30);
});

test('a retry gets the stored message back even after the stream was trimmed past it', async () => {
  const store = await createStore({ limit: 3, dedupTtlMs: 60_000 });
  const author = { id: 'u1', name: 'a' };
  const first = await store.append({
    room: 'r',
    author,
    text: 'first',
    clientId: 'k0',
    origin: 'o1',
  });
  for (let i = 1; i < 300; i++)
    await store.append({ room: 'r', author, text: `m${i}`, clientId: `k${i}`, origin: 'o1' });
  const again = await store.append({
    room: 'r',
    author,
    text: 'first',
    clientId: 'k0',
    origin: 'o1',
  });
  expect(again).toEqual({ message: first.message, duplicate: true, origin: 'o1' });
});

test('the stream is trimmed to about HISTORY_LIMIT entries', async () => {
  const client = connect({ enableOfflineQueue: true });
  const prefix = `t${prefixes++}:`;
  const store = createRedisHistoryStore(client, { limit: 50, dedupTtlMs: 60_000, prefix });
  const author = { id: 'u1', name: 'a' };
  for (let i = 0; i < 500; i++)
    await store.append({ room: 'r', author, text: `m${i}`, clientId: `k${i}`, origin: 'o1' });
  const length = await client.xlen(`${prefix}{r}:log`);
  // MAXLEN ~ trims whole macro nodes (100 entries by default), never below the limit.
  expect(length).toBeGreaterThanOrEqual(50);
  expect(length).toBeLessThanOrEqual(150);
});

test('an unreachable Redis makes calls fail at once with StoreUnavailableError', async () => {
  const down = new Redis({
    port: 1,
    host: '127.0.0.1',
    enableOfflineQueue: false,
    lazyConnect: true,
    retryStrategy: () => null,
  });
  onTestFinished(() => {
    down.disconnect();
  });
  const store = createRedisHistoryStore(down, { limit: 10, dedupTtlMs: 1000 });
  const input = {
    room: 'r',
    author: { id: 'u1', name: 'a' },
    text: 'x',
    clientId: 'k',
    origin: 'o1',
  };
  await expect(store.append(input)).rejects.toBeInstanceOf(StoreUnavailableError);
  await expect(store.latest('r', 5)).rejects.toBeInstanceOf(StoreUnavailableError);
});
