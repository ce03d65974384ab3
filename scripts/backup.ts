// npm run backup -- <file>: an online, consistent copy of one node's SQLite database
// (DATA_DIR/chat.db, DATA_DIR from the environment as the node reads it), taken while the
// chat runs. To restore: stop the node, put the copy in place of DATA_DIR/chat.db (removing
// chat.db-wal and chat.db-shm), start the node. See the README, "Backups".
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig } from '../server/src/config.js';
import { backupSqlite } from '../server/src/storage/sqlite-backup.js';

const target = process.argv[2];
if (target === undefined || target.startsWith('-')) {
  console.error('usage: npm run backup -- <file>');
  process.exit(2);
}
const source = join(loadConfig().dataDir, 'chat.db');
if (!existsSync(source)) {
  console.error(`no database at ${resolve(source)} (set DATA_DIR to the node's)`);
  process.exit(1);
}
if (existsSync(target)) {
  console.error(`${target} exists: a backup never overwrites a file`);
  process.exit(1);
}
const { pages, ms } = await backupSqlite(source, target);
console.log(`backed up ${resolve(source)} to ${resolve(target)}: ${pages} pages in ${ms} ms`);
