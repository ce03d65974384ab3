// `npm run bench [-- --quick] [-- --only S1,S2]`: runs the scenarios against F, U and T side by
// side and writes bench/results/{report.md,results.json,latency.svg}.
import { cpus } from 'node:os';
import { runBench, type BenchOptions } from './lib/bench.js';
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
  // Profiles of T's processes land in bench/profiles/ (summarise with bench/profile-summary.ts).
  nodeArgs: args.includes('--cpu-prof') ? ['--cpu-prof', '--cpu-prof-dir', 'bench/profiles'] : [],
  cores:
    cpus().length >= 2 ? { server: 0, generator: 1 } : { server: undefined, generator: undefined },
  log: (line) => {
    console.log(line);
  },
};

runBench(options).then(
  (result) => {
    console.log(`\nreport: ${result.files.markdown}`);
    process.exit(0);
  },
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
