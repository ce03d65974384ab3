import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

export interface ServerProcess {
  child: ChildProcessWithoutNullStreams;
  /** Every stdout line parsed as JSON (pino), in order. */
  logs: Record<string, unknown>[];
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first log line that passes `predicate`. */
  waitForLog: (
    predicate: (line: Record<string, unknown>) => boolean,
  ) => Promise<Record<string, unknown>>;
}

/** Runs the real entry file (server/src/main.ts) as a child process; killed after the test. */
export function spawnServer(env: Record<string, string>): ServerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/src/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      PORT: '0',
      // The default store is SQLite: a data folder of its own, never the project's ./data.
      DATA_DIR: mkdtempSync(join(tmpdir(), 'chat-data-')),
      GUESTS: 'true',
      SCRYPT_COST: '10',
      PRESENCE_GRACE_MS: '0',
      METRICS_PORT: '0',
      GUESTS_PER_HOUR_PER_ADDRESS: '1000000',
      SIGNUPS_PER_HOUR_PER_ADDRESS: '1000000',
      ROOMS_PER_HOUR_PER_ADDRESS: '1000000',
      ...env,
    },
  });
  const logs: Record<string, unknown>[] = [];
  const waiters: {
    predicate: (l: Record<string, unknown>) => boolean;
    resolve: (l: Record<string, unknown>) => void;
  }[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  createInterface({ input: child.stdout }).on('line', (text) => {
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(text) as Record<string, unknown>;
    } catch {
      line = { raw: text };
    }
    logs.push(line);
    for (const w of [...waiters]) {
      if (w.predicate(line)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      resolve({ code, signal });
    });
  });
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return {
    child,
    logs,
    stderr: () => stderr,
    exited,
    waitForLog: (predicate) => {
      const seen = logs.find(predicate);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.push({ predicate, resolve });
        void exited.then(({ code }) => {
          reject(new Error(`server exited (${code}) before the log line; stderr: ${stderr}`));
        });
      });
    },
  };
}
