// `npm run capacity [-- --users 1000000 --room-size 50] [-- --placement room]`: the capacity
// model (scripts/lib/capacity.ts) on the latest bench/results/results.json and cluster.json.
// Without --users it prints the tables docs/capacity.md holds; --doc writes them there.
import { readFileSync, writeFileSync } from 'node:fs';
import type { BenchResults } from '../bench/lib/results.js';
import type { ClusterBenchResults } from '../bench/lib/cluster-bench.js';
import {
  assumptionsTable,
  capacityReport,
  inputsTable,
  measuredFrom,
  size,
  sizingTable,
  type Placement,
} from './lib/capacity.js';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const bench = JSON.parse(
  readFileSync(flag('--results') ?? 'bench/results/results.json', 'utf8'),
) as BenchResults;
const cluster = JSON.parse(
  readFileSync(flag('--cluster') ?? 'bench/results/cluster.json', 'utf8'),
) as ClusterBenchResults;

const users = flag('--users');
if (users === undefined) {
  const report = capacityReport(bench, cluster);
  console.log(report);
  if (args.includes('--doc')) {
    const path = 'docs/capacity.md';
    const doc = readFileSync(path, 'utf8');
    const [start, end] = [doc.indexOf('<!-- capacity -->'), doc.indexOf('<!-- /capacity -->')];
    if (start < 0 || end < start) throw new Error(`${path}: no <!-- capacity --> block`);
    const block = `<!-- capacity -->\n\n${report}\n`;
    writeFileSync(path, `${doc.slice(0, start)}${block}${doc.slice(end)}`);
  }
} else {
  const roomSize = Number(flag('--room-size') ?? 50);
  const placement = (flag('--placement') ?? 'random') as Placement;
  if (!['random', 'room'].includes(placement) || !(Number(users) > 0) || !(roomSize >= 2)) {
    console.error('usage: --users N [--room-size M (≥ 2)] [--placement random|room]');
    process.exit(2);
  }
  const m = measuredFrom(bench, cluster);
  const s = size(m, Number(users), roomSize, placement);
  console.log(sizingTable(m, placement, [s.users], [roomSize]));
  console.log('');
  console.log(JSON.stringify(s, null, 2));
  console.log('');
  console.log(inputsTable(m));
  console.log('');
  console.log(assumptionsTable());
}
