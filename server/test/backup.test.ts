import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, onTestFinished, test } from 'vitest';
import { postgresBin } from '../../scripts/lib/processes.js';
import { createPostgresHistoryStore } from '../src/messages/postgres-store.js';
import type { HistoryStore } from '../src/messages/store.js';
import { openPostgres } from '../src/storage/postgres.js';
import { createSqliteHistoryStore } from '../src/messages/sqlite-store.js';
import { openDatabase } from '../src/storage/sqlite.js';
import { connect, joinOk, sendOk } from './support/client.js';
import { PostgresProcess } from './support/postgres.js';
import { startTestNode } from './support/server.js';

const ROOMS = 8;
/** As fast as the node acknowledges: no allowance stops the writers. */
const UNLIMITED = {
  messageRatePerSec: 1_000_000,
  messageBurst: 1_000_000,
  eventRatePerSec: 1_000_000,
};

/** `rooms` writers on `url`, each sending as fast as its acks come, until `stop()`. */
async function busyWriters(url: string, rooms = ROOMS) {
  const writers = await Promise.all(
    Array.from({ length: rooms }, async (_, i) => {
      const socket = await connect(url, { name: `writer${i}` });
      await joinOk(socket, `room${i}`);
      return socket;
    }),
  );
  const acked: { room: string; id: string; at: number }[] = [];
  let writing = true;
  const loops = writers.map(async (socket, i) => {
    for (let n = 0; writing; n++) {
      const message = await sendOk(socket, `room${i}`, `m${n} ${'x'.repeat(200)}`);
      acked.push({ room: message.room, id: message.id, at: Date.now() });
    }
  });
  // The count the loops push to, as acks come in.
  await expect.poll(() => acked.length, { timeout: 30_000 }).toBeGreaterThanOrEqual(400);
  return {
    acked,
    async stop() {
      writing = false;
      await Promise.all(loops);
    },
  };
}

/** Every message id the history store holds in the writers' rooms, as `room id`. */
async function heldIn(store: HistoryStore): Promise<Set<string>> {
  const held = new Set<string>();
  for (let i = 0; i < ROOMS; i++) {
    for (const m of (await store.latest(`room${i}`, 100_000)).messages)
      held.add(`${m.room} ${m.id}`);
  }
  return held;
}

test('npm run backup copies a running node’s database; the copy holds every message acknowledged before it began', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'chat-backup-'));
  const node = await startTestNode({ store: 'sqlite', dataDir, ...UNLIMITED });
  // The backup runs while every room is written to as fast as the node acknowledges.
  const writers = await busyWriters(node.url);
  const { acked } = writers;

  const target = join(mkdtempSync(join(tmpdir(), 'chat-backup-to-')), 'chat.db');
  const began = Date.now();
  const countBefore = acked.length;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'scripts/backup.ts', target],
    { env: { ...process.env, DATA_DIR: dataDir } },
  );
  const ended = Date.now();
  const during = acked.filter((a) => a.at > began && a.at <= ended).length;
  await writers.stop();
  expect(stdout).toMatch(/^backed up .* pages in \d+ ms/);
  // Writes went on while the copy was made.
  expect(during).toBeGreaterThan(0);

  // Restored: the copy is a database of its own, whole, with everything acknowledged before.
  const restoredDir = mkdtempSync(join(tmpdir(), 'chat-restored-'));
  copyFileSync(target, join(restoredDir, 'chat.db'));
  const db = openDatabase(join(restoredDir, 'chat.db'));
  expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  const store = createSqliteHistoryStore(db, { limit: 100_000, dedupTtlMs: 60_000 });
  const held = new Set<string>();
  for (let i = 0; i < ROOMS; i++) {
    for (const m of (await store.latest(`room${i}`, 100_000)).messages)
      held.add(`${m.room} ${m.id}`);
  }
  db.close();
  const before = acked.filter((a) => a.at < began);
  const missing = before.filter((a) => !held.has(`${a.room} ${a.id}`));
  console.info(
    `backup under load: ${countBefore} acknowledged before it began, ${during} during its ` +
      `${ended - began} ms, ${held.size} in the copy, ${missing.length} missing; ${stdout.trim()}`,
  );
  expect(missing).toEqual([]);
  expect(held.size).toBeLessThanOrEqual(acked.length);

  // And a node started on the restored folder serves it, up to the copy's newest message.
  const restored = await startTestNode({ store: 'sqlite', dataDir: restoredDir });
  const reader = await connect(restored.url, { name: 'reader' });
  const newest = [...held].filter((h) => h.startsWith('room0 ')).at(-1);
  const history = (await joinOk(reader, 'room0')).history.map((m) => `room0 ${m.id}`);
  expect(history.at(-1)).toBe(newest);
}, 90_000);

test('pg_dump of a running deployment restores with pg_restore; the copy holds every message acknowledged before it began', async () => {
  const postgres = new PostgresProcess({ fsync: false });
  await postgres.start();
  onTestFinished(async () => {
    await postgres.stop();
  });
  const node = await startTestNode({ databaseUrl: postgres.url(), ...UNLIMITED });
  const writers = await busyWriters(node.url);
  const { acked } = writers;

  const dump = join(mkdtempSync(join(tmpdir(), 'chat-dump-')), 'chat.dump');
  const began = Date.now();
  const run = promisify(execFile);
  // The recipe of the README: a custom-format dump, one consistent snapshot.
  await run(join(postgresBin(), 'pg_dump'), ['--format=custom', `--file=${dump}`, postgres.url()]);
  const dumpedMs = Date.now() - began;
  await writers.stop();

  const restoredUrl = await postgres.createDatabase('restored');
  const restoreStarted = Date.now();
  await run(join(postgresBin(), 'pg_restore'), ['--no-owner', `--dbname=${restoredUrl}`, dump]);
  const restoredMs = Date.now() - restoreStarted;
  const pool = openPostgres(restoredUrl);
  onTestFinished(() => pool.end());
  const held = await heldIn(
    createPostgresHistoryStore(pool, { limit: 100_000, dedupTtlMs: 60_000 }),
  );
  const before = acked.filter((a) => a.at < began);
  const missing = before.filter((a) => !held.has(`${a.room} ${a.id}`));
  console.info(
    `pg_dump under load: ${before.length} acknowledged before it began, dumped in ${dumpedMs} ms, ` +
      `restored in ${restoredMs} ms, ${held.size} in the copy, ${missing.length} missing`,
  );
  expect(missing).toEqual([]);

  // A node on the restored database serves it, up to the copy's newest message.
  const restored = await startTestNode({ databaseUrl: restoredUrl });
  const reader = await connect(restored.url, { name: 'reader' });
  const newest = [...held].filter((h) => h.startsWith('room0 ')).at(-1);
  const history = (await joinOk(reader, 'room0')).history.map((m) => `room0 ${m.id}`);
  expect(history.at(-1)).toBe(newest);
}, 120_000);
