// `tsx bench/profile-summary.ts FILE.cpuprofile [N]`: where a V8 CPU profile spent its time,
// by function (self time) and by package, to read what a bench run's server was doing.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: tsx bench/profile-summary.ts FILE.cpuprofile [N]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
profile.samples.forEach((id, i) => {
  self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const total = [...self.values()].reduce((a, b) => a + b, 0);

const packageOf = (url: string): string => {
  if (url === '') return '(native / VM)';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m?.[1]) return m[1];
  if (url.startsWith('node:')) return 'node core';
  return 'this project';
};

const fns = new Map<string, number>();
const pkgs = new Map<string, number>();
for (const [id, micros] of self) {
  const node = byId.get(id);
  if (!node) continue;
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url
    ? `${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(dist|server)\//, '$1/')}:${lineNumber + 1}`
    : '';
  const key = `${functionName || '(anonymous)'} ${where}`.trim();
  fns.set(key, (fns.get(key) ?? 0) + micros);
  const pkg = packageOf(url);
  pkgs.set(pkg, (pkgs.get(pkg) ?? 0) + micros);
}
const pct = (v: number): string => `${((v / total) * 100).toFixed(1).padStart(5)}%`;
console.log(`total sampled: ${(total / 1000).toFixed(0)} ms\n\nby package (self time):`);
for (const [k, v] of [...pkgs].sort((a, b) => b[1] - a[1])) console.log(`${pct(v)}  ${k}`);
console.log('\ntop functions (self time):');
for (const [k, v] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, Number(topArg ?? 25))) {
  console.log(`${pct(v)}  ${k}`);
}
