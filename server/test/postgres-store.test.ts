import { expect, onTestFinished, test } from 'vitest';
import { createPostgresHistoryStore, messagesMigrations } from '../src/messages/postgres-store.js';
import { StoreUnavailableError, type HistoryStoreOptions } from '../src/messages/store.js';
import { migrate, openPostgres } from '../src/storage/postgres.js';
import { historyStoreSuite } from './support/history-store-suite.js';
import { purgeSuite } from './support/purge-suite.js';
import { postgresForFile } from './support/postgres.js';
import { freePort } from './support/redis.js';

const postgres = postgresForFile();

/** A fresh, migrated database; its pools are closed when the test finishes. */
async function database() {
  const url = await postgres.database();
  const open = () => {
    const pool = openPostgres(url);
    onTestFinished(() => pool.end());
    return pool;
  };
  await migrate(open(), messagesMigrations);
  return open;
}

historyStoreSuite('postgres', async (options) => {
  const open = await database();
  return createPostgresHistoryStore(open(), options);
});
purgeSuite('postgres', async (options) => {
  const open = await database();
  return createPostgresHistoryStore(open(), options);
});

const author = { id: 'u1', name: 'a' };
const input = (clientId: string, text = clientId) => ({
  room: 'r',
  author,
  text,
  clientId,
  origin: 'o1',
});

test('two nodes appending to one room at once make strictly increasing ids in one unbroken chain', async () => {
  const open = await database();
  const options: HistoryStoreOptions = { limit: 1000, dedupTtlMs: 60_000 };
  const [one, two] = [open(), open()].map((pool) => createPostgresHistoryStore(pool, options));
  if (!one || !two) throw new Error('no store');
  const results = await Promise.all(
    Array.from({ length: 200 }, (_, i) => (i % 2 ? two : one).append(input(`k${i}`))),
  );
  const made = results.map((r) => {
    if (r.duplicate) throw new Error('not stored');
    return { id: r.message.id, prev: r.prev, key: r.message.id.split('-').map(Number) };
  });
  made.sort((a, b) => (a.key[0] ?? 0) - (b.key[0] ?? 0) || (a.key[1] ?? 0) - (b.key[1] ?? 0));
  expect(new Set(made.map((m) => m.id)).size).toBe(200);
  // Each append names the one just before it, whichever node made either.
  expect(made.map((m) => m.prev)).toEqual([undefined, ...made.slice(0, -1).map((m) => m.id)]);
  const held = (await two.latest('r', 1000)).messages.map((m) => m.id);
  expect(held).toEqual(made.map((m) => m.id));
});

test('a retry hours later still gets the stored message, and the first origin', async () => {
  let now = 1_000_000;
  const open = await database();
  // No limit: history is kept, as deployed, and the dedup window is not used.
  const options = { dedupTtlMs: 1000, now: () => now };
  const store = createPostgresHistoryStore(open(), options);
  const first = await store.append(input('k'));
  for (let i = 0; i < 20; i++) await store.append(input(`other${i}`));
  now += 5 * 60 * 60 * 1000;
  // Another node, hours later.
  const elsewhere = createPostgresHistoryStore(open(), options);
  const again = await elsewhere.append({ ...input('k'), origin: 'o2' });
  expect(again).toEqual({ message: first.message, duplicate: true, origin: 'o1' });
  expect((await store.latest('r', 100)).messages).toHaveLength(21);
});

test('a message trimmed by a limit takes its clientId with it: a retry stores it anew', async () => {
  const open = await database();
  const store = createPostgresHistoryStore(open(), { limit: 3, dedupTtlMs: 1000 });
  const first = await store.append(input('k'));
  for (let i = 0; i < 5; i++) await store.append(input(`other${i}`));
  const again = await store.append(input('k'));
  expect(again.duplicate).toBe(false);
  expect(again.message.id).not.toBe(first.message.id);
});

test('ids keep increasing when the clock steps back, and follow a clock ahead on another node', async () => {
  let now = 5000;
  const open = await database();
  const store = createPostgresHistoryStore(open(), { limit: 10, dedupTtlMs: 1000, now: () => now });
  const ahead = createPostgresHistoryStore(open(), {
    limit: 10,
    dedupTtlMs: 1000,
    now: () => 9000,
  });
  const a = await store.append(input('a'));
  now = 4000;
  const b = await store.append(input('b'));
  const c = await ahead.append(input('c'));
  const d = await store.append(input('d'));
  expect([a, b, c, d].map((r) => r.message.id)).toEqual(['5000-0', '5000-1', '9000-0', '9000-1']);
  expect((await store.after('r', a.message.id)).messages.map((m) => m.id)).toEqual([
    b.message.id,
    c.message.id,
    d.message.id,
  ]);
});

test('changes from two nodes at once all count, each at a position of its own', async () => {
  const open = await database();
  const options: HistoryStoreOptions = { limit: 1000, dedupTtlMs: 60_000 };
  const nodes = [open(), open()].map((pool) => createPostgresHistoryStore(pool, options));
  const [first] = nodes;
  if (!first) throw new Error('no store');
  const { message } = await first.append(input('k'));
  const outcomes = await Promise.all(
    Array.from({ length: 30 }, (_, i) =>
      (nodes[i % 2] ?? first).change('r', message.id, {
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
  const prevs = new Set(outcomes.map((o) => (o.status === 'changed' ? o.prev : undefined)));
  expect(prevs.size).toBe(30);
});

test('an unreachable database makes an append fail with StoreUnavailableError', async () => {
  const down = openPostgres(`postgres://chat@127.0.0.1:${await freePort()}/chat`, {
    connectTimeoutMs: 500,
  });
  onTestFinished(() => down.end());
  const store = createPostgresHistoryStore(down, { limit: 10, dedupTtlMs: 1000 });
  await expect(store.append(input('k'))).rejects.toBeInstanceOf(StoreUnavailableError);
  await expect(store.latest('r', 5)).rejects.toBeInstanceOf(StoreUnavailableError);
  await expect(store.after('r', '1-0')).rejects.toBeInstanceOf(StoreUnavailableError);
});

test('a database of the first schema moves to the second: replies know what they quote, retries what they stored', async () => {
  const url = await postgres.database();
  const pool = openPostgres(url);
  onTestFinished(() => pool.end());
  await migrate(pool, messagesMigrations.slice(0, 1));
  // Rows as the first schema's store wrote them: the reply's quote in `extra`, and the whole
  // message (with a NUL, escaped by JSON) in the dedup row.
  const quote = { id: '5000-0', author: { id: 'u1', name: 'a' }, text: 'secret' };
  const reply = { id: '6000-0', room: 'r', author, text: 'a\u0000b', ts: 6000, replyTo: quote };
  await pool.query(
    `INSERT INTO history_rooms (room, head_ms, head_seq, messages, last_ms)
       VALUES ('r', 6000, 0, 2, 6000);
     INSERT INTO messages VALUES ('r', 5000, 0, 5000, 0, 'u1', 'a', false, false, 'secret', NULL);`,
  );
  await pool.query(
    `INSERT INTO messages VALUES ('r', 6000, 0, 6000, 0, 'u1', 'a', false, false, 'x', $1);
     `.trim(),
    [JSON.stringify({ replyTo: quote })],
  );
  await pool.query(
    `INSERT INTO message_dedup (room, scope, client_id, origin, message) VALUES ('r', 'u1', 'k', 'o1', $1)`,
    [JSON.stringify(reply)],
  );
  await migrate(pool, messagesMigrations);
  const columns = await pool.query<{ reply_ms: string; reply_seq: string }>(
    'SELECT reply_ms, reply_seq FROM messages WHERE ms = 6000',
  );
  expect(columns.rows).toEqual([{ reply_ms: '5000', reply_seq: '0' }]);
  const store = createPostgresHistoryStore(pool, { dedupTtlMs: 1000, now: () => 7000 });
  const again = await store.append({ ...input('k'), origin: 'o2' });
  expect(again).toMatchObject({ duplicate: true, origin: 'o1', message: { id: '6000-0' } });
  // Purging the quoted message finds the reply by the new columns.
  await store.purge?.('r', 5500, 10);
  expect((await store.get('r', '6000-0'))?.replyTo).toStrictEqual({
    ...quote,
    text: '',
    deleted: true,
  });
});
