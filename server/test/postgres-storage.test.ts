import pg from 'pg';
import { expect, onTestFinished, test } from 'vitest';
import {
  inTransaction,
  migrate,
  openPostgres,
  pgCall,
  type Migration,
} from '../src/storage/postgres.js';
import { StoreUnavailableError } from '../src/storage/unavailable.js';
import { freePort } from './support/redis.js';
import { postgresForFile } from './support/postgres.js';

const postgres = postgresForFile();

const steps: Migration[] = [
  { id: 'things-1', sql: 'CREATE TABLE things (id BIGINT PRIMARY KEY, name TEXT NOT NULL)' },
  { id: 'things-2', sql: 'ALTER TABLE things ADD COLUMN note TEXT' },
];

const pool = async () => {
  const p = openPostgres(await postgres.database());
  onTestFinished(() => p.end());
  return p;
};

test('three nodes starting together migrate once; a later start applies only what is new', async () => {
  const url = await postgres.database();
  const pools = [0, 1, 2].map(() => openPostgres(url));
  onTestFinished(async () => {
    await Promise.all(pools.map((p) => p.end()));
  });
  const applied = await Promise.all(pools.map((p) => migrate(p, steps)));
  expect(applied.flat().sort()).toEqual(['things-1', 'things-2']);
  const [first] = pools;
  if (!first) throw new Error('no pool');
  const third: Migration = { id: 'things-3', sql: 'CREATE INDEX things_name ON things (name)' };
  expect(await migrate(first, [...steps, third])).toEqual(['things-3']);
  const rows = await first.query<{ id: string }>('SELECT id FROM schema_migrations ORDER BY id');
  expect(rows.rows.map((r) => r.id)).toEqual(['things-1', 'things-2', 'things-3']);
});

test('a failing step is rolled back whole and named; the steps before it stay', async () => {
  const p = await pool();
  const bad: Migration = {
    id: 'things-3',
    sql: 'CREATE TABLE half (id INT); SELECT no_such_function()',
  };
  await expect(migrate(p, [...steps, bad])).rejects.toThrow('migration things-3 failed');
  const tables = await p.query<{ name: string }>(
    "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
  );
  expect(tables.rows.map((r) => r.name)).toEqual(['schema_migrations', 'things']);
  await expect(migrate(p, [steps[0] as Migration, steps[0] as Migration])).rejects.toThrow(
    'listed twice',
  );
});

test('a database that cannot be reached is UNAVAILABLE; a bad query stays an error', async () => {
  const nobody = openPostgres(`postgres://chat@127.0.0.1:${await freePort()}/chat`, {
    connectTimeoutMs: 500,
  });
  onTestFinished(() => nobody.end());
  await expect(pgCall(() => nobody.query('SELECT 1'))).rejects.toBeInstanceOf(
    StoreUnavailableError,
  );
  const p = await pool();
  const wrong = pgCall(() => p.query('SELECT * FROM no_such_table'));
  await expect(wrong).rejects.toBeInstanceOf(pg.DatabaseError);
});

test('a transaction commits whole or not at all', async () => {
  const p = await pool();
  await migrate(p, steps);
  await inTransaction(p, async (c) => {
    await c.query("INSERT INTO things (id, name) VALUES (1, 'one')");
  });
  await expect(
    inTransaction(p, async (c) => {
      await c.query("INSERT INTO things (id, name) VALUES (2, 'two')");
      await c.query("INSERT INTO things (id, name) VALUES (1, 'again')");
    }),
  ).rejects.toThrow(/duplicate key/);
  const rows = await p.query<{ name: string }>('SELECT name FROM things ORDER BY id');
  expect(rows.rows.map((r) => r.name)).toEqual(['one']);
  // The pool is still usable: the failed transaction's connection was rolled back.
  expect((await p.query<{ n: number }>('SELECT 1 AS n')).rows[0]?.n).toBe(1);
});

test('a connection killed mid-transaction fails that transaction as UNAVAILABLE and leaves the pool working', async () => {
  const p = await pool();
  await migrate(p, steps);
  const killed = inTransaction(p, async (c) => {
    const { rows } = await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    // Another session ends this one, as a server restart would: the connection emits an
    // error while checked out, which nobody listening to would end the process.
    await p.query('SELECT pg_terminate_backend($1)', [rows[0]?.pid]);
    await c.query("INSERT INTO things (id, name) VALUES (1, 'lost')");
  });
  await expect(killed).rejects.toBeInstanceOf(StoreUnavailableError);
  const rows = await p.query<{ n: string }>('SELECT count(*) AS n FROM things');
  expect(rows.rows[0]?.n).toBe('0');
});
