import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { freePort } from './ports.js';

/** A real redis-server on a free loopback port, with its own data directory. */
export class RedisProcess {
  private child: ChildProcessByStdio<null, Readable, Readable> | undefined;
  readonly dir = mkdtempSync(join(tmpdir(), 'chat-redis-'));
  port = 0;

  constructor(private readonly options: { appendonly?: boolean } = {}) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts redis-server (on the same port after a stop) and resolves once it accepts connections. */
  async start(): Promise<void> {
    if (this.port === 0) this.port = await freePort();
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--dir',
        this.dir,
        '--save',
        '',
        '--appendonly',
        this.options.appendonly ? 'yes' : 'no',
        '--appendfsync',
        'always',
        '--daemonize',
        'no',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    let output = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) resolve();
      });
      child.once('exit', (code) => {
        reject(new Error(`redis-server exited (${String(code)}): ${output.slice(-500)}`));
      });
      child.once('error', reject);
    });
  }

  /** Stops redis-server with the given signal and waits for it to exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  }
}
