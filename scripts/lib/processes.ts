// Real processes of a local cluster: redis-server, PostgreSQL, chat nodes and HAProxy, each on loopback
// ports, started and stopped by their own PIDs. Used by `npm run cluster` and by the tests.
import {
  execFile,
  execFileSync,
  spawn,
  type ChildProcessByStdio,
  type SpawnOptions,
} from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';

type Child = ChildProcessByStdio<null, Readable, Readable>;

let certificate: Promise<string> | undefined;
/**
 * A self-signed certificate for localhost (scripts/make-cert.sh) in a temporary folder, made
 * once per process and shared by every HAProxy started from it.
 */
export function localCertificate(): Promise<string> {
  certificate ??= (async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'chat-cert-')), 'local.pem');
    await promisify(execFile)('bash', ['scripts/make-cert.sh', path]);
    return path;
  })();
  return certificate;
}

/** A TCP port free on 127.0.0.1 right now, for programs that cannot bind port 0 and report it. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => {
        resolve(port);
      });
    });
  });
}

/**
 * Runs `start` with a fresh free port, again with another one if the process died: between
 * the probe and the bind, the OS may hand the port to an outgoing connection.
 */
export async function onSomeFreePort(start: (port: number) => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await start(await freePort());
      return;
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
}

/** A child process whose output lines are kept and can be waited for. */
class Supervised {
  protected child: Child | undefined;
  readonly lines: string[] = [];
  private waiters: { test: (line: string) => boolean; resolve: () => void }[] = [];

  protected launch(
    command: string,
    args: string[],
    env: NodeJS.ProcessEnv,
    as: Pick<SpawnOptions, 'uid' | 'gid'> = {},
  ): Child {
    const child = spawn(command, args, { env, ...as, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.lines.length = 0;
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        this.lines.push(line);
        for (const w of [...this.waiters]) {
          if (w.test(line)) {
            this.waiters.splice(this.waiters.indexOf(w), 1);
            w.resolve();
          }
        }
      });
    }
    return child;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return (
      this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
    );
  }

  /** Resolves when a line passing `test` has been printed (or was already). */
  waitForLine(test: (line: string) => boolean, what = 'a log line'): Promise<void> {
    if (this.lines.some(test)) return Promise.resolve();
    const child = this.child;
    return new Promise((resolve, reject) => {
      this.waiters.push({ test, resolve });
      child?.once('exit', (code, signal) => {
        const tail = this.lines.slice(-15).join('\n');
        reject(new Error(`exited (${String(code ?? signal)}) before ${what}:\n${tail}`));
      });
    });
  }

  /** Sends `signal` and resolves once the process has exited. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const child = this.child;
    if (!child || !this.running) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) => {
      child.once('exit', (code) => {
        resolve(code);
      });
    });
    child.kill(signal);
    return exited;
  }
}

export interface RedisProcessOptions {
  appendonly?: boolean;
  port?: number;
  dir?: string;
  /**
   * Run as a Redis Cluster node: its cluster bus listens on `busPort` (0: a free one), and
   * peers that stop answering for `nodeTimeoutMs` are failed over.
   */
  cluster?: { busPort?: number; nodeTimeoutMs: number };
}

/** redis-server on a loopback port with a data directory of its own. */
export class RedisProcess extends Supervised {
  port = 0;
  /** Kept across restarts, so that a restarted server reloads its AOF. */
  readonly dir: string;

  constructor(private readonly options: RedisProcessOptions = {}) {
    super();
    this.port = options.port ?? 0;
    this.busPort = options.cluster?.busPort ?? 0;
    this.dir = options.dir ?? mkdtempSync(join(tmpdir(), 'chat-redis-'));
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts redis-server (on the same port after a stop); resolves once it accepts connections. */
  async start(): Promise<void> {
    if (this.port === 0) {
      await onSomeFreePort((port) => {
        this.port = port;
        // A bus port found taken on an earlier attempt is chosen again too.
        this.busPort = this.options.cluster?.busPort ?? 0;
        return this.launchAndWait();
      });
      return;
    }
    await this.launchAndWait();
  }

  /** The cluster bus port, once started as a cluster node. */
  busPort = 0;

  private async launchAndWait(): Promise<void> {
    const cluster = this.options.cluster;
    while (cluster && (this.busPort === 0 || this.busPort === this.port)) {
      this.busPort = await freePort();
    }
    // prettier-ignore
    const clusterArgs = cluster ? [
      '--cluster-enabled', 'yes',
      // The bus port is chosen, not port + 10000, which may be taken or out of range.
      '--cluster-port', String(this.busPort),
      '--cluster-config-file', 'nodes.conf',
      '--cluster-node-timeout', String(cluster.nodeTimeoutMs),
    ] : [];
    // prettier-ignore
    this.launch('redis-server', [
      ...clusterArgs,
      '--port', String(this.port),
      '--bind', '127.0.0.1',
      '--dir', this.dir,
      '--save', '',
      '--appendonly', this.options.appendonly ? 'yes' : 'no',
      '--appendfsync', 'everysec',
      '--daemonize', 'no',
    ], process.env);
    await this.waitForLine((l) => l.includes('Ready to accept connections'), 'redis readiness');
  }
}

/**
 * The folder of PostgreSQL's programs: `PG_BIN`, else the newest of Debian's
 * /usr/lib/postgresql/<version>/bin, else whatever `postgres` the PATH finds.
 */
export function postgresBin(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'postgres')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  return versions[0] ? join(root, versions[0], 'bin') : '';
}

/**
 * PostgreSQL refuses to run as root: as root, it runs as the `postgres` user that Debian's
 * package creates, and its data folder is that user's.
 */
function postgresUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres']).toString().trim());
  return { uid: id('-u'), gid: id('-g') };
}

export interface PostgresProcessOptions {
  port?: number;
  /** The data folder; made with initdb when empty. Default: a new temporary folder. */
  dir?: string;
  /**
   * false: no fsync, for a test's server, thrown away with its folder. What a commit wrote
   * still reaches the OS before its answer, so a SIGKILL of the server loses nothing; only a
   * crash of the machine would. Default true.
   */
  fsync?: boolean;
  /** Server settings on top of these (`-c name=value`), such as shared_preload_libraries. */
  settings?: Record<string, string>;
}

/** A PostgreSQL server of its own: initdb'd data folder, loopback port, `trust` for `chat`. */
export class PostgresProcess extends Supervised {
  port = 0;
  readonly dir: string;
  private readonly user = postgresUser();

  private readonly fsync: boolean;
  private readonly settings: Record<string, string>;

  constructor(options: PostgresProcessOptions = {}) {
    super();
    this.port = options.port ?? 0;
    this.dir = options.dir ?? mkdtempSync(join(tmpdir(), 'chat-pg-'));
    this.fsync = options.fsync ?? true;
    this.settings = options.settings ?? {};
  }

  /** The URL of database `name` (default `chat`, made at the first start). */
  url(name = 'chat'): string {
    return `postgres://chat@127.0.0.1:${this.port}/${name}`;
  }

  private bin(program: string): string {
    const dir = postgresBin();
    return dir ? join(dir, program) : program;
  }

  /** Starts the server (on the same port after a stop); resolves once it takes connections. */
  async start(): Promise<void> {
    const fresh = !existsSync(join(this.dir, 'PG_VERSION'));
    if (fresh) this.initdb();
    if (this.port === 0) await onSomeFreePort((port) => this.launchAndWait(port));
    else await this.launchAndWait(this.port);
    if (fresh) await this.createDatabase('chat');
  }

  private initdb(): void {
    if (this.user) {
      chownSync(this.dir, this.user.uid, this.user.gid);
      // Its parent folders must let that user through: say so rather than initdb's EACCES.
      try {
        execFileSync('test', ['-x', this.dir], { ...this.user, stdio: 'ignore' });
      } catch {
        throw new Error(`user postgres cannot reach ${this.dir}: open its parent folders to it`);
      }
    }
    // prettier-ignore
    execFileSync(this.bin('initdb'), [
      '-D', this.dir, '-U', 'chat', '--auth=trust', '--encoding=UTF8', '--locale=C',
      // A test's server is thrown away with its folder: nothing to gain from fsync here.
      '--no-sync',
    ], { stdio: 'pipe', ...(this.user ?? {}) });
  }

  private async launchAndWait(port: number): Promise<void> {
    this.port = port;
    // prettier-ignore
    this.launch(this.bin('postgres'), [
      '-D', this.dir,
      '-p', String(port),
      '-c', 'listen_addresses=127.0.0.1',
      // Its socket in its own folder, not /var/run/postgresql, which may not exist or be ours.
      '-c', `unix_socket_directories=${this.dir}`,
      '-c', 'max_connections=300',
      // Without fsync a loaded machine's shutdown checkpoint takes a moment, not many seconds.
      ...(this.fsync ? [] : ['-c', 'fsync=off']),
      ...Object.entries(this.settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
    ], { ...process.env, LC_ALL: 'C' }, this.user ?? {});
    await this.waitForLine(
      (l) => l.includes('database system is ready to accept connections'),
      'postgres readiness',
    );
  }

  /**
   * Stops the server: by default with SIGINT, PostgreSQL's fast shutdown, which ends the
   * sessions still open (SIGTERM would wait for every client to leave first).
   */
  override stop(signal: NodeJS.Signals = 'SIGINT'): Promise<number | null> {
    return super.stop(signal);
  }

  /** Creates database `name` (owned by `chat`) and returns its URL. */
  async createDatabase(name: string): Promise<string> {
    await promisify(execFile)(this.bin('createdb'), [
      '-h',
      '127.0.0.1',
      '-p',
      String(this.port),
      '-U',
      'chat',
      name,
    ]);
    return this.url(name);
  }
}

export interface NodeOptions {
  /** Run the built server (dist/) instead of the TypeScript sources through tsx. */
  built?: boolean;
  env: Record<string, string>;
}

/** One chat node as its own process, like production runs it. */
export class ChatNodeProcess extends Supervised {
  port = 0;

  constructor(private readonly options: NodeOptions) {
    super();
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The node's operators' listener (/metrics), as its log announced it. */
  get metricsUrl(): string {
    for (const line of [...this.lines].reverse()) {
      if (!line.includes('"metrics listening"')) continue;
      const { url } = JSON.parse(line) as { url?: unknown };
      if (typeof url === 'string') return url;
    }
    throw new Error(`node on ${this.url} announced no metrics listener`);
  }

  /** Starts the node; resolves once it listens and, with REDIS_URL, once Redis is up. */
  async start(): Promise<void> {
    if (this.port !== 0 || this.options.env.PORT !== undefined) {
      this.port ||= Number(this.options.env.PORT);
      await this.launchAndWait();
      return;
    }
    await onSomeFreePort((port) => {
      this.port = port;
      return this.launchAndWait();
    });
  }

  private async launchAndWait(): Promise<void> {
    const args = this.options.built
      ? ['dist/server/src/main.js']
      : ['--import', 'tsx', 'server/src/main.ts'];
    this.launch(process.execPath, args, {
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      CLIENT: 'off',
      METRICS_PORT: '0',
      ...this.options.env,
      PORT: String(this.port),
    });
    try {
      await this.ready();
    } catch (err) {
      // A node still starting when the wait ends is stopped before the caller retries on
      // another port: left running, it would outlive the test, unowned.
      await this.stop('SIGKILL');
      throw err;
    }
  }

  /** Readiness probe: /readyz answers 200 once the node listens and its Redis is up. */
  private async ready(timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (let delay = 20; ; delay = Math.min(delay * 2, 250)) {
      if (!this.running) throw new Error(`node exited:\n${this.lines.slice(-15).join('\n')}`);
      const status = await fetch(`${this.url}/readyz`).then(
        (r) => r.status,
        () => 0,
      );
      if (status === 200) return;
      if (Date.now() > deadline) throw new Error(`node on ${this.url} not ready (${status})`);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

export interface HaproxyOptions {
  config: string;
  env: Record<string, string>;
  /** The plain HTTP port, where HAProxy answers every request with a 301 to HTTPS. */
  httpPort: number;
}

/**
 * Readiness probe for HAProxy: only it answers plain HTTP with a redirect to HTTPS, so a
 * 301 proves it listens (an open port alone could belong to anyone).
 */
async function waitForRedirect(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 10; ; delay = Math.min(delay * 2, 200)) {
    const status = await fetch(`http://127.0.0.1:${port}/`, {
      redirect: 'manual',
      signal: AbortSignal.timeout(1000),
    }).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 301) return;
    if (Date.now() > deadline) throw new Error(`no redirect from port ${port}`);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

/** HAProxy in the foreground (-db), configured only through the environment. */
export class HaproxyProcess extends Supervised {
  constructor(private readonly options: HaproxyOptions) {
    super();
  }

  async start(): Promise<void> {
    const binary = process.env.HAPROXY_PATH ?? 'haproxy';
    const child = this.launch(binary, ['-db', '-f', this.options.config], {
      ...process.env,
      ...this.options.env,
    });
    // A bind failure makes HAProxy exit: fail then, rather than probe a port someone else has.
    const exited = new Promise<never>((_, reject) => {
      child.once('exit', (code) => {
        reject(new Error(`haproxy exited (${String(code)}):\n${this.lines.slice(-10).join('\n')}`));
      });
    });
    await Promise.race([waitForRedirect(this.options.httpPort), exited]);
  }

  /** Resolves when HAProxy reports a server of the chat backend as `state` (UP or DOWN). */
  serverState(server: string, state: 'UP' | 'DOWN'): Promise<void> {
    return this.waitForLine(
      (l) => l.includes(`Server chat/${server} is ${state}`),
      `${server} ${state}`,
    );
  }
}
