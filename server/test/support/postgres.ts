import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { PostgresProcess } from '../../../scripts/lib/processes.js';

export { PostgresProcess } from '../../../scripts/lib/processes.js';

/**
 * One PostgreSQL server for a test file, started before its tests and stopped after them;
 * `database()` gives each test a database of its own on it.
 */
export function postgresForFile(): { server: PostgresProcess; database(): Promise<string> } {
  const server = new PostgresProcess({ fsync: false });
  let made = 0;
  beforeAll(() => server.start(), 60_000);
  afterAll(() => server.stop(), 60_000);
  return {
    server,
    database: () => server.createDatabase(`t${process.pid}_${made++}`),
  };
}

/**
 * The rows of `messages` in the database at `url`, read from PostgreSQL itself, and how
 * many distinct (room, text) pairs they hold.
 */
export async function messageRows(url: string): Promise<{ rows: number; distinct: number }> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    const { rows } = await client.query<{ rows: string; distinct: string }>(
      'SELECT count(*) AS rows, count(DISTINCT (room, text)) AS distinct FROM messages',
    );
    return { rows: Number(rows[0]?.rows), distinct: Number(rows[0]?.distinct) };
  } finally {
    await client.end();
  }
}

/**
 * Where the fault tests keep the record: in Redis (REDIS_URL alone), or in PostgreSQL
 * (DATABASE_URL), Redis then holding only broadcasts, presence and limits. The Redis
 * variant stays as long as deployments can keep their record there.
 */
export const STORES = ['redis', 'postgres'] as const;
export type Store = (typeof STORES)[number];

/** A database of its own on `postgres` for the PostgreSQL store; none for the Redis one. */
export const databaseFor = async (
  store: Store,
  postgres: { database(): Promise<string> },
): Promise<string | undefined> => (store === 'postgres' ? await postgres.database() : undefined);
