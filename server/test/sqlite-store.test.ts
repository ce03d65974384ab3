import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, onTestFinished, test } from 'vitest';
import { createSqliteHistoryStore } from '../src/messages/sqlite-store.js';
import { openDatabase, SCHEMA_VERSION } from '../src/storage/sqlite.js';
import { historyStoreSuite } from './support/history-store-suite.js';
import { purgeSuite } from './support/purge-suite.js';

/** A database file in a fresh temporary folder, closed when the test finishes. */
function tempDatabase(path = join(mkdtempSync(join(tmpdir(), 'chat-sqlite-')), 'chat.db')) {
  const db = openDatabase(path);
  onTestFinished(() => {
    if (db.open) db.close();
  });
  return { db, path };
}

historyStoreSuite('sqlite', (options) =>
  Promise.resolve(createSqliteHistoryStore(tempDatabase().db, options)),
);
purgeSuite('sqlite', (options) =>
  Promise.resolve(createSqliteHistoryStore(tempDatabase().db, options)),
);

const author = { id: 'u1', name: 'a' };

test('history, ids and retries survive closing and reopening the file', async () => {
  const { db, path } = tempDatabase();
  const store = createSqliteHistoryStore(db, { limit: 3, dedupTtlMs: 60_000 });
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) {
    const input = { room: 'r', author, text: `m${i}`, clientId: `k${i}`, origin: 'o1' };
    ids.push((await store.append(input)).message.id);
  }
  db.close();

  const reopened = createSqliteHistoryStore(tempDatabase(path).db, {
    limit: 3,
    dedupTtlMs: 60_000,
  });
  expect((await reopened.latest('r', 10)).messages.map((m) => m.id)).toEqual(ids.slice(2));
  // A client that held the newest id before the restart sees no gap, nor does one at the
  // trimmed edge; one further back does.
  expect(await reopened.after('r', ids[4] ?? '')).toMatchObject({ gap: false, messages: [] });
  expect((await reopened.after('r', ids[1] ?? '')).gap).toBe(false);
  expect((await reopened.after('r', ids[0] ?? '')).gap).toBe(true);
  const retry = { room: 'r', author, text: 'm4', clientId: 'k4', origin: 'o2' };
  expect(await reopened.append(retry)).toMatchObject({ duplicate: true, origin: 'o1' });
  const next = await reopened.append({ ...retry, clientId: 'k5', text: 'new' });
  expect((await reopened.after('r', ids[4] ?? '')).messages).toEqual([next.message]);
  expect(await reopened.rooms()).toEqual(['r']);
});

test('a clientId is forgotten after the dedup window, on the store’s clock', async () => {
  let now = 1_000_000;
  const store = createSqliteHistoryStore(tempDatabase().db, {
    limit: 10,
    dedupTtlMs: 1000,
    now: () => now,
  });
  const input = { room: 'r', author, text: 'x', clientId: 'k', origin: 'o1' };
  await store.append(input);
  now += 999;
  expect((await store.append(input)).duplicate).toBe(true);
  now += 2;
  expect((await store.append(input)).duplicate).toBe(false);
});

test('ids keep increasing when the clock steps back', async () => {
  let now = 5000;
  const store = createSqliteHistoryStore(tempDatabase().db, {
    limit: 10,
    dedupTtlMs: 1000,
    now: () => now,
  });
  const a = await store.append({ room: 'r', author, text: 'a', clientId: 'a', origin: 'o1' });
  now = 4000;
  const b = await store.append({ room: 'r', author, text: 'b', clientId: 'b', origin: 'o1' });
  expect((await store.after('r', a.message.id)).messages.map((m) => m.id)).toEqual([b.message.id]);
});

test('opening a database migrates it to the current schema, and refuses a newer one', () => {
  const { db, path } = tempDatabase();
  expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
  expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
  db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
  db.close();
  expect(() => openDatabase(path)).toThrow(/newer than this server knows/);
});

test('a database from before room activity was kept gets it from the messages it holds', async () => {
  const { db, path } = tempDatabase();
  let now = 5000;
  const store = createSqliteHistoryStore(db, { limit: 100, dedupTtlMs: 60_000, now: () => now });
  await store.append({ room: 'a', author, text: 'a1', clientId: 'a1', origin: 'o1' });
  now = 7000;
  await store.append({ room: 'b', author, text: 'b1', clientId: 'b1', origin: 'o1' });
  now = 9000;
  await store.append({ room: 'a', author, text: 'a2', clientId: 'a2', origin: 'o1' });
  const activity = await store.roomActivity();
  expect(Object.fromEntries(activity)).toEqual({ a: 9000, b: 7000 });
  // Back to schema 8, as a database written by the previous version is.
  db.exec('DROP INDEX messages_reply');
  db.exec('ALTER TABLE messages DROP COLUMN reply_ms; ALTER TABLE messages DROP COLUMN reply_seq');
  db.exec('ALTER TABLE room_settings DROP COLUMN retention_days');
  db.exec('ALTER TABLE users DROP COLUMN deleted');
  db.exec('ALTER TABLE rooms DROP COLUMN last_ms');
  db.exec('DROP TABLE user_rooms; DROP TABLE user_invitations');
  db.pragma('user_version = 8');
  db.close();
  const reopened = tempDatabase(path).db;
  expect(reopened.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
  const again = createSqliteHistoryStore(reopened, { limit: 100, dedupTtlMs: 60_000 });
  expect(Object.fromEntries(await again.roomActivity())).toEqual({ a: 9000, b: 7000 });
});
