// `npm run bench:cluster [-- --quick]`: two chat nodes on a real three-primary Redis Cluster,
// the same load with the record in Redis (REDIS_ACK_REPLICAS=1 and =0), in PostgreSQL (fsync
// on), and on one node with SQLite, in rotation (bench/lib/cluster-bench.ts), and the capacity
// model's prediction for this layout set against what was measured.
// Written to bench/results/cluster.json (a --quick run to bench/results/cluster-quick.json).
import { cpus } from 'node:os';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { clusterProfiles, runClusterBench } from './lib/cluster-bench.js';
import { predictionCheck } from '../scripts/lib/capacity.js';
import type { BenchResults } from './lib/results.js';

const quick = process.argv.includes('--quick');
const results = await runClusterBench({
  profile: quick ? clusterProfiles.quick : clusterProfiles.full,
  built: existsSync('dist/server/src/main.js'),
  cores:
    cpus().length >= 2 ? { server: 0, generator: 1 } : { server: undefined, generator: undefined },
  log: (line) => {
    console.log(line);
  },
});
const bench = JSON.parse(readFileSync('bench/results/results.json', 'utf8')) as BenchResults;
const check = predictionCheck(bench, results);
for (const c of check) {
  console.log(`${c.what}: predicted ${c.predicted}, measured ${c.measured}, ratio ${c.ratio}`);
}
mkdirSync('bench/results', { recursive: true });
const file = quick ? 'bench/results/cluster-quick.json' : 'bench/results/cluster.json';
// As the repository's Prettier check expects it (short arrays on one line).
const prettier = await import('prettier');
const json = await prettier.format(JSON.stringify({ ...results, check }), {
  ...((await prettier.resolveConfig(file)) ?? {}),
  filepath: file,
});
writeFileSync(file, json);
console.log(`written: ${file} (${results.seconds} s)`);
process.exit(0);
