import { expect, test } from 'vitest';
import { createMemoryHistoryStore } from '../src/messages/memory-store.js';
import { historyStoreSuite } from './support/history-store-suite.js';
import { purgeSuite } from './support/purge-suite.js';

historyStoreSuite('memory', (options) => Promise.resolve(createMemoryHistoryStore(options)));
purgeSuite('memory', (options) =>
  Promise.resolve(createMemoryHistoryStore({ ...options, limit: 1000 })),
);

test('memory store forgets a clientId after the dedup window', async () => {
  let now = 1_000_000;
  const store = createMemoryHistoryStore({ limit: 10, dedupTtlMs: 1000, now: () => now });
  const author = { id: 'u1', name: 'a' };
  await store.append({ room: 'r', author, text: 'x', clientId: 'k', origin: 'o1' });
  now += 999;
  expect(
    (await store.append({ room: 'r', author, text: 'x', clientId: 'k', origin: 'o1' })).duplicate,
  ).toBe(true);
  now += 2;
  expect(
    (await store.append({ room: 'r', author, text: 'x', clientId: 'k', origin: 'o1' })).duplicate,
  ).toBe(false);
});

test('memory store caps the remembered clientIds', async () => {
  const store = createMemoryHistoryStore({ limit: 10, dedupTtlMs: 60_000, dedupMaxEntries: 3 });
  const author = { id: 'u1', name: 'a' };
  for (const clientId of ['k1', 'k2', 'k3', 'k4', 'k5']) {
    await store.append({ room: 'r', author, text: 'x', clientId, origin: 'o1' });
  }
  // The oldest entries made way for the newest.
  expect(
    (await store.append({ room: 'r', author, text: 'x', clientId: 'k5', origin: 'o1' })).duplicate,
  ).toBe(true);
  expect(
    (await store.append({ room: 'r', author, text: 'x', clientId: 'k1', origin: 'o1' })).duplicate,
  ).toBe(false);
});

test('ids keep increasing when the clock steps back', async () => {
  let now = 5000;
  const store = createMemoryHistoryStore({ limit: 10, dedupTtlMs: 1000, now: () => now });
  const author = { id: 'u1', name: 'a' };
  const a = await store.append({ room: 'r', author, text: 'a', clientId: 'a', origin: 'o1' });
  now = 4000;
  const b = await store.append({ room: 'r', author, text: 'b', clientId: 'b', origin: 'o1' });
  const replay = await store.after('r', a.message.id);
  expect(replay.messages.map((m) => m.id)).toEqual([b.message.id]);
});
