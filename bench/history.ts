// `npm run bench:history [-- --quick] [-- --messages N] [-- --paging-messages N]`: history at
// size in PostgreSQL and SQLite, through the stores (bench/lib/history-bench.ts): one room of
// 100,000 messages paged from newest to oldest, bytes per message, and the backup and restore
// of 1,000,000 messages. Written to bench/results/history.json (a --quick run, or one with
// other sizes, to bench/results/history-quick.json).
import { writeFileSync } from 'node:fs';
import { historyProfiles, runHistoryBench } from './lib/history-bench.js';

const args = process.argv.slice(2);
const flag = (name: string): number | undefined => {
  const i = args.indexOf(name);
  const value = i >= 0 ? Number(args[i + 1]) : undefined;
  if (value !== undefined && !(Number.isInteger(value) && value > 0)) {
    console.error(`${name} takes a positive whole number`);
    process.exit(2);
  }
  return value;
};
const quick = args.includes('--quick');
const base = quick ? historyProfiles.quick : historyProfiles.full;
const backupMessages = flag('--messages') ?? base.backupMessages;
const pagingMessages = flag('--paging-messages') ?? base.pagingMessages;
const results = await runHistoryBench({
  pagingMessages,
  backupMessages,
  roomSize: 1000,
  textLength: 64,
  pageSize: 50,
  log: (line) => {
    console.log(line);
  },
});
const full =
  backupMessages === historyProfiles.full.backupMessages &&
  pagingMessages === historyProfiles.full.pagingMessages;
const file = full ? 'bench/results/history.json' : 'bench/results/history-quick.json';
// As the repository's Prettier check expects it (short arrays on one line).
const prettier = await import('prettier');
const json = await prettier.format(JSON.stringify(results), {
  ...((await prettier.resolveConfig(file)) ?? {}),
  filepath: file,
});
writeFileSync(file, json);
const { paging, backup } = results;
for (const [name, p] of Object.entries(paging)) {
  console.log(
    `${name}: ${p.pages} pages of ${pagingMessages}: p50 ${p.pageMs.p50} ms, p99 ${p.pageMs.p99} ms, max ${p.pageMs.max} ms, first ten ${p.firstTenMs} ms, last ten ${p.lastTenMs} ms; ${p.bytes.perMessage} B/message`,
  );
}
console.log(
  `postgres: ${backup.postgres.messages} messages, pg_dump -Fc ${backup.postgres.dump.seconds} s (${backup.postgres.dump.bytes} B), pg_restore ${backup.postgres.restore.seconds} s`,
);
console.log(
  `sqlite: ${backup.sqlite.messages} messages, backup ${backup.sqlite.backup.seconds} s (${backup.sqlite.backup.bytes} B), restore ${backup.sqlite.restore.seconds} s`,
);
console.log(`written: ${file} (${results.seconds} s)`);
process.exit(0);
