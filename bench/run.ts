// `npm run bench [-- --quick] [-- --only S1,S2]`: runs the scenarios against F, U and T side by
// side and writes bench/results/{report.md,results.json,latency.svg}.
import { cpus } from 'node:os';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runBench, writeOutputs, type BenchOptions } from './lib/bench.js';
import type { BenchResults } from './lib/results.js';
import { profiles } from './lib/profile.js';
import type { ServerName } from './lib/targets.js';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};

const options: BenchOptions = {
  profile: args.includes('--quick') ? profiles.quick : profiles.full,
  only: flag('--only')
    ?.split(',')
    .map((s) => s.trim().toUpperCase()),
  outDir: flag('--out') ?? 'bench/results',
  servers: flag('--servers')
    ?.split(',')
    .map((s) => s.trim().toUpperCase())
    .filter((s): s is ServerName => s === 'F' || s === 'U' || s === 'T'),
  built: !args.includes('--sources'),
  update: args.includes('--update'),
  // Only a full run into the published folder updates the figures in the READMEs.
  readme:
    !args.includes('--quick') && flag('--out') === undefined && flag('--servers') === undefined
      ? ['bench/README.md', 'README.md']
      : undefined,
  // Profiles of T's processes land in bench/profiles/ (summarise with bench/profile-summary.ts).
  nodeArgs: [
    ...(args.includes('--cpu-prof') ? ['--cpu-prof', '--cpu-prof-dir', 'bench/profiles'] : []),
    ...(args.includes('--trace-gc') ? ['--trace-gc'] : []),
  ],
  heapSnapshots: args.includes('--heap-snapshots') ? 'bench/profiles' : undefined,
  // With --trace-gc, each T process's output (its collections) in bench/profiles/<name>-<port>.log,
  // summarised by `npx tsx bench/gc-summary.ts FILE`.
  logDir: args.includes('--trace-gc') ? 'bench/profiles' : undefined,
  cores:
    cpus().length >= 2 ? { server: 0, generator: 1 } : { server: undefined, generator: undefined },
  log: (line) => {
    console.log(line);
  },
};

// --report-only: rewrite the report, chart and README block from the results.json in place.
const run = args.includes('--report-only')
  ? Promise.resolve().then(() => {
      const file = join(options.outDir, 'results.json');
      const results = JSON.parse(readFileSync(file, 'utf8')) as BenchResults;
      return writeOutputs(results, options).then((files) => ({ files }));
    })
  : runBench(options);

run.then(
  (result) => {
    console.log(`\nreport: ${result.files.markdown}`);
    process.exit(0);
  },
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
