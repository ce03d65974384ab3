// Process CPU time and memory, read from outside the processes measured, and latency
// summaries from HDR histograms.
import { readdirSync, readFileSync } from 'node:fs';
import { build, type Histogram } from 'hdr-histogram-js';

const TICKS_PER_SECOND = 100; // sysconf(_SC_CLK_TCK) on Linux

/** User + system CPU time of a process (all its threads), in microseconds. */
export function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name, which may itself contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1_000_000) / TICKS_PER_SECOND;
}

/** One /proc/<pid>/stat: the parent, and the CPU of the process and of its reaped children, in ticks. */
function statOf(pid: number): { ppid: number; own: number; children: number } | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // exited since the listing
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return {
    ppid: Number(fields[1]),
    own: Number(fields[11]) + Number(fields[12]),
    children: Number(fields[13]) + Number(fields[14]),
  };
}

/** A process and all its descendants, with their /proc/<pid>/stat, by pid. */
function treeStats(rootPid: number): Map<number, NonNullable<ReturnType<typeof statOf>>> {
  const all = new Map<number, NonNullable<ReturnType<typeof statOf>>>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = statOf(Number(name));
    if (s) all.set(Number(name), s);
  }
  const tree = new Map<number, NonNullable<ReturnType<typeof statOf>>>();
  const queue = [rootPid];
  for (let pid = queue.pop(); pid !== undefined; pid = queue.pop()) {
    const s = all.get(pid);
    if (!s) continue;
    tree.set(pid, s);
    for (const [child, c] of all) if (c.ppid === pid) queue.push(child);
  }
  return tree;
}

/** The pids of a process and all its descendants (a forking server's workers). */
export const processTree = (rootPid: number): number[] => [...treeStats(rootPid).keys()];

/**
 * User + system CPU of a process and all its descendants, in microseconds: a server that
 * forks a process per connection (PostgreSQL). A child that exited since an earlier reading
 * still counts: once reaped, its time is in its parent's cutime/cstime, which are summed too.
 */
export function treeCpuMicros(rootPid: number): number {
  let ticks = 0;
  for (const s of treeStats(rootPid).values()) ticks += s.own + s.children;
  return (ticks * 1_000_000) / TICKS_PER_SECOND;
}

/** Resident set size of a process, in bytes. */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+)/.exec(status)?.[1];
  return Number(kb ?? 0) * 1024;
}

/** Bytes a process has read through read(2)-like calls, sockets included. */
export function bytesRead(pid: number): number {
  const io = readFileSync(`/proc/${pid}/io`, 'utf8');
  return Number(/rchar:\s+(\d+)/.exec(io)?.[1] ?? 0);
}

/** CPU time used by a set of processes between `start()` and `stop()`. */
export class CpuMeter {
  private readonly before = new Map<string, number>();
  private startedAt = 0;

  constructor(private readonly pids: Record<string, number>) {}

  start(): void {
    this.startedAt = performance.now();
    for (const [name, pid] of Object.entries(this.pids)) this.before.set(name, cpuMicros(pid));
  }

  /** Per process: CPU microseconds used, and the share of one core over the wall time. */
  stop(): Record<string, { cpuMicros: number; cores: number }> {
    const wallMicros = (performance.now() - this.startedAt) * 1000;
    const out: Record<string, { cpuMicros: number; cores: number }> = {};
    for (const [name, pid] of Object.entries(this.pids)) {
      const used = cpuMicros(pid) - (this.before.get(name) ?? 0);
      out[name] = { cpuMicros: used, cores: round(used / wallMicros, 3) };
    }
    return out;
  }
}

/** Time a process waited for a core while ready to run (another process had it), in µs. */
function runQueueMicros(pid: number): number {
  // /proc/<pid>/schedstat: time on a core, time waiting for one (ns), timeslices.
  const fields = readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ');
  return Number(fields[1] ?? 0) / 1000;
}

/** Its main thread's state: R running, S sleeping, D in uninterruptible (disk) wait, … */
function state(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
}

export interface Stalls {
  /** Time the process was ready to run but waited for its core, in ms. */
  runQueueMs: number;
  /** Time it was seen in uninterruptible (disk) wait, sampled every `SAMPLE_MS`, in ms. */
  diskWaitMs: number;
  /** Time the measuring process (the load generator) waited for its core, in ms. */
  generatorRunQueueMs: number;
  /** The longest its event loop was late to a sample, in ms. */
  generatorLagMs: number;
}

/**
 * Why a server might have answered late without using CPU: another process held its core,
 * it waited for the disk (a synchronous fsync), or the load generator itself was late.
 */
export class StallWatch {
  private static readonly SAMPLE_MS = 10;
  private timer: NodeJS.Timeout | undefined;
  private queued = 0;
  private generatorQueued = 0;
  private disk = 0;
  private lag = 0;

  constructor(private readonly pid: number) {}

  start(): void {
    this.queued = runQueueMicros(this.pid);
    this.generatorQueued = runQueueMicros(process.pid);
    let last = performance.now();
    this.timer = setInterval(() => {
      const now = performance.now();
      this.lag = Math.max(this.lag, now - last - StallWatch.SAMPLE_MS);
      last = now;
      if (state(this.pid) === 'D') this.disk += StallWatch.SAMPLE_MS;
    }, StallWatch.SAMPLE_MS);
  }

  stop(): Stalls {
    clearInterval(this.timer);
    return {
      runQueueMs: round((runQueueMicros(this.pid) - this.queued) / 1000, 1),
      diskWaitMs: this.disk,
      generatorRunQueueMs: round((runQueueMicros(process.pid) - this.generatorQueued) / 1000, 1),
      generatorLagMs: round(this.lag, 1),
    };
  }
}

export interface LatencySummary {
  count: number;
  /** Milliseconds. */
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export const newHistogram = (): Histogram =>
  build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 120_000_000,
    numberOfSignificantValueDigits: 3,
  });

export function summarize(h: Histogram): LatencySummary {
  const ms = (micros: number): number => round(micros / 1000, 2);
  return {
    count: h.totalCount,
    p50: ms(h.getValueAtPercentile(50)),
    p95: ms(h.getValueAtPercentile(95)),
    p99: ms(h.getValueAtPercentile(99)),
    max: ms(h.maxValue),
  };
}

export function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
