// The servers under test as child processes pinned to a core, with their CPU read from /proc
// and their heap read through the memory probe preloaded into each of them.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { processTree } from './measure.js';

export const hasTaskset = spawnSync('taskset', ['-V']).status === 0;

/** Prefixes a command with `taskset -c core` when taskset exists and a core is given. */
export function pinned(
  core: number | undefined,
  command: string,
  args: string[],
): [string, string[]] {
  if (!hasTaskset || core === undefined) return [command, args];
  return ['taskset', ['-c', String(core), command, ...args]];
}

/** Pins this process (the load generator), every thread of it, to one core. */
export function pinSelf(core: number): boolean {
  if (!hasTaskset) return false;
  return spawnSync('taskset', ['-a', '-p', '-c', String(core), String(process.pid)]).status === 0;
}

/** Pins a running process, every thread of it, to one core (redis-server started elsewhere). */
export function pinPid(pid: number, core: number): boolean {
  if (!hasTaskset) return false;
  return spawnSync('taskset', ['-a', '-p', '-c', String(core), String(pid)]).status === 0;
}

/**
 * Pins a process and every descendant it has now to one core; those it forks later inherit
 * the pinning (PostgreSQL's postmaster and its backends).
 */
export function pinTree(pid: number, core: number): boolean {
  return processTree(pid).every((p) => pinPid(p, core));
}

export interface MemoryReading {
  heapUsed: number;
  rss: number;
}

/** Every process started and not yet seen to exit, so that no failure leaves one behind. */
const live = new Set<BenchProcess>();
process.on('exit', () => {
  for (const p of live) p.kill();
});

/** Stops every bench process still running (after a scenario failed half-way, say). */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((p) => p.stop()));
}

export class BenchProcess {
  readonly lines: string[] = [];
  private readonly child: ChildProcess;

  constructor(
    readonly name: string,
    command: string,
    args: string[],
    env: Record<string, string>,
    core: number | undefined,
    ipc = false,
    /** A file that gets every line the process prints (for `--trace-gc`). */
    logFile?: string,
  ) {
    const [cmd, argv] = pinned(core, command, args);
    this.child = spawn(cmd, argv, {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe', ...(ipc ? (['ipc'] as const) : [])],
    });
    live.add(this);
    this.child.once('exit', () => live.delete(this));
    for (const stream of [this.child.stdout, this.child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream }).on('line', (line) => {
        if (logFile !== undefined) appendFileSync(logFile, `${line}\n`);
        this.lines.push(line);
        if (this.lines.length > 200) this.lines.shift();
      });
    }
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error(`${this.name} did not start`);
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  tail(): string {
    return this.lines.slice(-20).join('\n');
  }

  /** Polls `url` until it answers with `okStatus` (or any status when omitted). */
  async waitForHttp(url: string, okStatus?: number, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running) throw new Error(`${this.name} exited:\n${this.tail()}`);
      const status = await fetch(url, {
        redirect: 'manual',
        signal: AbortSignal.timeout(1000),
      }).then(
        (r) => r.status,
        () => 0,
      );
      if (status !== 0 && (okStatus === undefined || status === okStatus)) return;
      if (Date.now() > deadline)
        throw new Error(`${this.name} not ready at ${url}:\n${this.tail()}`);
      await delay(50);
    }
  }

  /** Waits until a printed line passes `test`. */
  async waitForLine(test: (line: string) => boolean, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.lines.some(test)) {
      if (!this.running) throw new Error(`${this.name} exited:\n${this.tail()}`);
      if (Date.now() > deadline) throw new Error(`${this.name}: no expected line:\n${this.tail()}`);
      await delay(20);
    }
  }

  /** Heap and RSS after a full GC, through the preloaded probe. */
  /** Heap and RSS after a full GC; with `snapshot`, a heap snapshot is written there first. */
  memory(snapshot?: string): Promise<MemoryReading> {
    const child = this.child;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`${this.name}: no memory reading`));
      }, 120_000);
      const onMessage = (message: unknown): void => {
        const m = message as { type?: string } & MemoryReading;
        if (m.type !== 'memory') return;
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve({ heapUsed: m.heapUsed, rss: m.rss });
      };
      child.on('message', onMessage);
      child.send({ type: 'memory', ...(snapshot === undefined ? {} : { snapshot }) });
    });
  }

  kill(): void {
    if (this.running) this.child.kill('SIGKILL');
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }
}
