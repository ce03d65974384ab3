import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

/** The built chat server (`npm run build`) as a child process on a loopback port. */
export class ServerProcess {
  private child: ChildProcessByStdio<null, Readable, Readable> | undefined;
  port = 0;
  /** The SQLite data folder, kept across stop() and start() like a real deployment's. */
  readonly dataDir = mkdtempSync(join(tmpdir(), 'chat-e2e-data-'));

  constructor(private readonly env: Record<string, string> = {}) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts the server (on its previous port after a stop); resolves once it listens. */
  async start(): Promise<void> {
    if (!existsSync('dist/server/src/main.js') || !existsSync('dist/client/index.html')) {
      throw new Error('the server and client are not built: run `npm run build` first');
    }
    const child = spawn(process.execPath, ['dist/server/src/main.js'], {
      env: {
        PATH: process.env.PATH ?? '',
        HOST: '127.0.0.1',
        PORT: String(this.port),
        CLIENT: 'static',
        LOG_LEVEL: 'info',
        DATA_DIR: this.dataDir,
        GUESTS: 'true',
        SCRYPT_COST: '10',
        METRICS_PORT: '0',
        GUESTS_PER_HOUR_PER_ADDRESS: '1000000',
        SIGNUPS_PER_HOUR_PER_ADDRESS: '1000000',
        ROOMS_PER_HOUR_PER_ADDRESS: '1000000',
        ...this.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    this.port = await new Promise<number>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout });
      lines.on('line', (line) => {
        try {
          const entry = JSON.parse(line) as { msg?: string; port?: number };
          if (entry.msg === 'listening' && entry.port) resolve(entry.port);
        } catch {
          // not a log line
        }
      });
      child.once('exit', (code) => {
        reject(new Error(`server exited with ${String(code)}: ${stderr}`));
      });
    });
  }

  /** SIGTERM, as an orchestrator would; resolves when the process has exited. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
}
