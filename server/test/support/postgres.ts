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
