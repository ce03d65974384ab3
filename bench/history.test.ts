// The history bench at toy size, for correctness only: both stores filled, paged through and
// sized; PostgreSQL dumped and restored, SQLite backed up and copied back, and what was
// restored read back through the stores. No time is asserted: that is `npm run bench:history`.
import { expect, test } from 'vitest';
import { fillSqlite, sameRowsAsStore, sampleSent } from './lib/history-fill.js';
import { runHistoryBench } from './lib/history-bench.js';
import { openDatabase } from '../server/src/storage/sqlite.js';

test('the fast fill writes exactly the rows the store writes, and a difference is caught', async () => {
  const sample = sampleSent(64);
  const open = () => [openDatabase(':memory:'), openDatabase(':memory:')] as const;
  const [a, b] = open();
  await sameRowsAsStore('sqlite', [a, b], sample);
  // One row the store would not have written makes the check fail.
  const [c, d] = open();
  fillSqlite(d, sample.slice(0, 1), 600_000);
  await expect(sameRowsAsStore('sqlite', [c, d], sample.slice(1))).rejects.toThrow(/differ/);
  for (const db of [a, b, c, d]) db.close();
});

test('the history bench pages, sizes, backs up and restores both stores', async () => {
  const results = await runHistoryBench({
    pagingMessages: 520,
    backupMessages: 2500,
    roomSize: 1000,
    textLength: 64,
    pageSize: 50,
    log: () => undefined,
  });
  for (const [name, p] of Object.entries(results.paging)) {
    expect(p.messages, name).toBe(520);
    // The newest 50 come with `latest`; `before` pages the other 470, the last page short.
    expect(p.pages, name).toBe(10);
    expect(p.pageMs.max, name).toBeGreaterThan(0);
    expect(p.bytes.perMessage, name).toBeGreaterThan(64);
  }
  expect(Object.keys(results.paging.postgres.bytes.byTable).sort()).toEqual([
    'history_rooms',
    'message_changes',
    'message_dedup',
    'messages',
  ]);
  expect(results.paging.sqlite.bytes.byTable.messages?.bytes).toBeGreaterThan(0);
  const { postgres, sqlite } = results.backup;
  expect(postgres).toMatchObject({ messages: 2500, rooms: 3, restoredChecked: true });
  expect(postgres.dump.bytes).toBeGreaterThan(0);
  expect(postgres.restore.databaseBytes).toBeGreaterThan(0);
  expect(sqlite).toMatchObject({ messages: 2500, rooms: 3, restoredChecked: true });
  expect(sqlite.backup.bytes).toBe(sqlite.fileBytes);
  expect(results.postgres.fsync).toBe('on');
}, 180_000);
