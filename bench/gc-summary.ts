// `tsx bench/gc-summary.ts FILE [FROM_S TO_S]`: what a `--trace-gc` log of a bench run's
// server says, by kind of collection: how many, their total and longest pause, and the heap
// they left, optionally within a window of the process's time (seconds since it started).
import { readFileSync } from 'node:fs';

const [file, fromArg, toArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: tsx bench/gc-summary.ts FILE [FROM_S TO_S]');
  process.exit(2);
}
const from = Number(fromArg ?? 0) * 1000;
const to = toArg === undefined ? Infinity : Number(toArg) * 1000;

// [pid:0x…]    12345 ms: Scavenge 40.1 (45.2) -> 38.0 (46.2) MB, 1.23 / 0.00 ms  (average mu = …
const LINE =
  /\s(\d+) ms: ([A-Za-z-]+(?: \(reduce\))?) [\d.]+ \([\d.]+\) -> ([\d.]+) \([\d.]+\) MB, ([\d.]+) \//;

interface Kind {
  count: number;
  pauseMs: number;
  maxMs: number;
  lastHeapMb: number;
}
const kinds = new Map<string, Kind>();
for (const line of readFileSync(file, 'utf8').split('\n')) {
  const m = LINE.exec(line);
  if (!m) continue;
  const [, at, kind, after, pause] = m;
  const t = Number(at);
  if (t < from || t > to || kind === undefined) continue;
  const k = kinds.get(kind) ?? { count: 0, pauseMs: 0, maxMs: 0, lastHeapMb: 0 };
  k.count++;
  k.pauseMs += Number(pause);
  k.maxMs = Math.max(k.maxMs, Number(pause));
  k.lastHeapMb = Number(after);
  kinds.set(kind, k);
}
console.log('kind                 count   pause ms   longest ms   heap after MB');
for (const [kind, k] of kinds) {
  console.log(
    `${kind.padEnd(20)} ${String(k.count).padStart(5)} ${k.pauseMs.toFixed(1).padStart(10)} ${k.maxMs.toFixed(2).padStart(12)} ${k.lastHeapMb.toFixed(1).padStart(15)}`,
  );
}
