// What PostgreSQL did for a load step, read from outside the chat nodes: the WAL it wrote
// (pg_current_wal_lsn() before and after) and what that WAL holds (pg_waldump --stats over
// the same range: records by kind, commits, full-page images), and the settings it ran with.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type pg from 'pg';
import { postgresBin } from '../../scripts/lib/processes.js';

const run = promisify(execFile);

/** The settings a figure depends on, as the server reports them (SHOW). */
export interface PostgresSettings {
  version: string;
  fsync: string;
  synchronousCommit: string;
  walSyncMethod: string;
  fullPageWrites: string;
  sharedBuffers: string;
  sharedPreloadLibraries: string;
}

export async function postgresSettings(client: pg.ClientBase): Promise<PostgresSettings> {
  // SHOW answers one row of one column, named after the setting.
  const show = async (name: string) => {
    const row = (await client.query<Record<string, string>>(`SHOW ${name}`)).rows[0] ?? {};
    return Object.values(row)[0] ?? '';
  };
  return {
    version: await show('server_version'),
    fsync: await show('fsync'),
    synchronousCommit: await show('synchronous_commit'),
    walSyncMethod: await show('wal_sync_method'),
    fullPageWrites: await show('full_page_writes'),
    sharedBuffers: await show('shared_buffers'),
    sharedPreloadLibraries: await show('shared_preload_libraries'),
  };
}

/** The server's current WAL write position, as `X/Y`. */
export async function walPosition(client: pg.ClientBase): Promise<string> {
  const { rows } = await client.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
  return rows[0]?.lsn ?? '0/0';
}

/** Bytes of WAL between two positions. */
export async function walBytesBetween(
  client: pg.ClientBase,
  from: string,
  to: string,
): Promise<number> {
  const { rows } = await client.query<{ bytes: string }>(
    'SELECT pg_wal_lsn_diff($2::pg_lsn, $1::pg_lsn)::text AS bytes',
    [from, to],
  );
  return Number(rows[0]?.bytes ?? 0);
}

/** One kind of WAL record (`Heap/INSERT`, `Transaction/COMMIT`, …) over a range. */
export interface WalKind {
  records: number;
  /** Record bytes and full-page-image bytes. */
  bytes: number;
  fpiBytes: number;
}

export interface WalStats {
  records: number;
  bytes: number;
  fpiBytes: number;
  /** Commit records: transactions that wrote something (a read-only one writes no WAL). */
  commits: number;
  byKind: Record<string, WalKind>;
}

/** Parses `pg_waldump --stats=record`: a line per kind, then a Total line. */
export function parseWalStats(text: string): WalStats {
  const byKind: Record<string, WalKind> = {};
  const pct = String.raw`\(\s*[\d.]+\)`;
  const kind = new RegExp(
    String.raw`^(\S+/\S+)\s+(\d+)\s+${pct}\s+(\d+)\s+${pct}\s+(\d+)\s+${pct}`,
  );
  let total = { records: 0, bytes: 0, fpiBytes: 0 };
  for (const line of text.split('\n')) {
    const k = kind.exec(line);
    if (k) {
      byKind[k[1] as string] = {
        records: Number(k[2]),
        bytes: Number(k[3]),
        fpiBytes: Number(k[4]),
      };
      continue;
    }
    const t = /^Total\s+(\d+)\s+(\d+)\s+\[[^\]]*\]\s+(\d+)/.exec(line);
    if (t) total = { records: Number(t[1]), bytes: Number(t[2]), fpiBytes: Number(t[3]) };
  }
  const commits = Object.entries(byKind)
    .filter(([name]) => name.startsWith('Transaction/COMMIT'))
    .reduce((n, [, k]) => n + k.records, 0);
  return { ...total, commits, byKind };
}

/**
 * What the WAL between two positions holds, read by pg_waldump from the server's data folder
 * (run right after the range is written, before a checkpoint may recycle its segments).
 */
export async function walStats(dataDir: string, from: string, to: string): Promise<WalStats> {
  const bin = postgresBin();
  const { stdout } = await run(
    bin ? join(bin, 'pg_waldump') : 'pg_waldump',
    ['--path', join(dataDir, 'pg_wal'), '--start', from, '--end', to, '--stats=record'],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  return parseWalStats(stdout);
}

/** The server setting that loads pg_stat_statements (a restart's worth: give it at start). */
export const STATEMENT_STATS = { shared_preload_libraries: 'pg_stat_statements' };

/** One normalised statement as pg_stat_statements counts it, for one database. */
export interface StatementCount {
  query: string;
  calls: number;
  walBytes: number;
}

/**
 * Every statement run so far in database `name`, by pg_stat_statements' id: exact counts,
 * updated as each statement ends. Needs STATEMENT_STATS and the extension in the database
 * `client` is connected to (its view covers every database).
 */
export async function statementCounts(
  client: pg.ClientBase,
  name: string,
): Promise<Map<string, StatementCount>> {
  const { rows } = await client.query<{
    id: string;
    query: string;
    calls: string;
    wal_bytes: string;
  }>(
    `SELECT queryid::text AS id, query, calls::text, wal_bytes::text FROM pg_stat_statements
     WHERE dbid = (SELECT oid FROM pg_database WHERE datname = $1)`,
    [name],
  );
  return new Map(
    rows.map((r) => [
      r.id,
      { query: r.query, calls: Number(r.calls), walBytes: Number(r.wal_bytes) },
    ]),
  );
}

/** What ran between two readings of `statementCounts`, most called first. */
export function statementsBetween(
  before: Map<string, StatementCount>,
  after: Map<string, StatementCount>,
): StatementCount[] {
  const out: StatementCount[] = [];
  for (const [id, a] of after) {
    const b = before.get(id);
    const calls = a.calls - (b?.calls ?? 0);
    if (calls > 0) out.push({ query: a.query, calls, walBytes: a.walBytes - (b?.walBytes ?? 0) });
  }
  return out.sort((x, y) => y.calls - x.calls);
}
