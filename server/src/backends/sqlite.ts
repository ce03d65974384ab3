import { statSync } from 'node:fs';
import { join } from 'node:path';
import { createSqliteAccounts } from '../accounts/sqlite-store.js';
import type { Config } from '../config.js';
import { createSqliteConversations } from '../conversations/sqlite-store.js';
import { createSqliteHistoryStore } from '../messages/sqlite-store.js';
import { createSqliteModeration } from '../moderation/sqlite-store.js';
import { createSqliteMemberships } from '../rooms/sqlite-store.js';
import { openDatabase } from '../storage/sqlite.js';
import type { Stores } from './stores.js';

/** Every store in one SQLite file, `DATA_DIR/chat.db` (one node on its own). */
export function openSqliteStores(
  config: Config,
  now: (() => number) | undefined,
): Stores & { close(): void; sizeBytes(): Promise<number> } {
  const file = join(config.dataDir, 'chat.db');
  const db = openDatabase(file);
  // The WAL holds what a checkpoint has not yet moved into the file: it is on disk too.
  const size = (path: string) => statSync(path, { throwIfNoEntry: false })?.size ?? 0;
  return {
    // On disk, history is kept until a retention deletes it: no limit.
    history: createSqliteHistoryStore(db, {
      dedupTtlMs: config.dedupTtlMs,
    }),
    accounts: createSqliteAccounts(db, now),
    conversations: createSqliteConversations(db),
    moderation: createSqliteModeration(db),
    memberships: createSqliteMemberships(db),
    sizeBytes: () => Promise.resolve(size(file) + size(`${file}-wal`)),
    close: () => {
      db.close();
    },
  };
}
