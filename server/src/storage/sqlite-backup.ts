import Database from 'better-sqlite3';

export interface BackupResult {
  pages: number;
  ms: number;
}

/**
 * Copies the SQLite database at `source` to `target` while the chat keeps writing to it.
 * Every page goes in one step, inside one read transaction: the copy is the database as it
 * was at one instant (WAL mode lets the node go on writing meanwhile), where SQLite's default
 * of a few pages a step starts over whenever another process writes, which a busy chat
 * does all the time.
 */
export async function backupSqlite(source: string, target: string): Promise<BackupResult> {
  const started = Date.now();
  const db = new Database(source, { fileMustExist: true });
  try {
    const { totalPages } = await db.backup(target, { progress: () => ALL_PAGES });
    return { pages: totalPages, ms: Date.now() - started };
  } finally {
    db.close();
  }
}

/** The most pages one backup step takes (SQLite's int). */
const ALL_PAGES = 0x7fffffff;
