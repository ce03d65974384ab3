// What Redis did for a load step, read from outside the chat nodes: commands by name and bytes
// in and out of every redis-server (INFO), and the bytes each node's sharded subscriber read
// (the kernel's count for each subscriber connection, found through CLIENT LIST and `ss`).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';

const run = promisify(execFile);

/** Counters of one redis-server at one moment. */
export interface RedisCounters {
  /** Calls per command (`cmdstat_` names: `evalsha`, `spublish`, `cluster|slots`, ...). */
  calls: Record<string, number>;
  netIn: number;
  netOut: number;
  /** The replication share of `netIn` / `netOut` (a replica's feed from its primary). */
  replIn: number;
  replOut: number;
  usedMemory: number;
}

/** Commands the bench itself sends to read the counters; never counted as the chat's work. */
const OWN = new Set(['info', 'client|list', 'ping', 'hello']);

/** Parses INFO's `key:value` lines, commandstats included. */
export function parseInfo(text: string): RedisCounters {
  const calls: Record<string, number> = {};
  const field: Record<string, number> = {};
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon < 0 || line.startsWith('#')) continue;
    const key = line.slice(0, colon);
    const value = line.slice(colon + 1);
    if (key.startsWith('cmdstat_')) {
      const name = key.slice('cmdstat_'.length);
      if (!OWN.has(name)) calls[name] = Number(/calls=(\d+)/.exec(value)?.[1] ?? 0);
    } else field[key] = Number(value);
  }
  return {
    calls,
    netIn: field.total_net_input_bytes ?? 0,
    netOut: field.total_net_output_bytes ?? 0,
    replIn: field.total_net_repl_input_bytes ?? 0,
    replOut: field.total_net_repl_output_bytes ?? 0,
    usedMemory: field.used_memory ?? 0,
  };
}

/** `after - before`, command by command. */
export function diffCounters(before: RedisCounters, after: RedisCounters): RedisCounters {
  const calls: Record<string, number> = {};
  for (const [name, n] of Object.entries(after.calls)) {
    const d = n - (before.calls[name] ?? 0);
    if (d !== 0) calls[name] = d;
  }
  return {
    calls,
    netIn: after.netIn - before.netIn,
    netOut: after.netOut - before.netOut,
    replIn: after.replIn - before.replIn,
    replOut: after.replOut - before.replOut,
    usedMemory: after.usedMemory - before.usedMemory,
  };
}

/** The sum of several servers' counters. */
export function sumCounters(list: RedisCounters[]): RedisCounters {
  const total: RedisCounters = {
    calls: {},
    netIn: 0,
    netOut: 0,
    replIn: 0,
    replOut: 0,
    usedMemory: 0,
  };
  for (const c of list) {
    for (const [name, n] of Object.entries(c.calls))
      total.calls[name] = (total.calls[name] ?? 0) + n;
    total.netIn += c.netIn;
    total.netOut += c.netOut;
    total.replIn += c.replIn;
    total.replOut += c.replOut;
    total.usedMemory += c.usedMemory;
  }
  return total;
}

export const totalCalls = (c: RedisCounters): number =>
  Object.values(c.calls).reduce((n, x) => n + x, 0);

/** One connection per redis-server, kept open so that reading counters costs one command. */
export class RedisProbe {
  private readonly clients: Map<number, Redis>;

  constructor(ports: number[]) {
    this.clients = new Map(
      ports.map((port) => [port, new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 1 })]),
    );
  }

  /** Every server's counters, by port. */
  async counters(): Promise<Map<number, RedisCounters>> {
    const entries = await Promise.all(
      [...this.clients].map(
        async ([port, c]) =>
          [
            port,
            parseInfo(String(await c.call('INFO', 'commandstats', 'stats', 'memory'))),
          ] as const,
      ),
    );
    return new Map(entries);
  }

  /**
   * Local ports of the connections subscribed to sharded channels (SSUBSCRIBE) on the given
   * servers: the chat nodes' adapter subscribers.
   */
  async subscriberPorts(ports: number[]): Promise<Set<number>> {
    const out = new Set<number>();
    for (const port of ports) {
      const list = String(await this.clients.get(port)?.call('CLIENT', 'LIST'));
      for (const line of list.split('\n')) {
        const ssub = Number(/ ssub=(\d+)/.exec(line)?.[1] ?? 0);
        const addr = /addr=[^ ]*:(\d+) /.exec(line)?.[1];
        if (ssub > 0 && addr !== undefined) out.add(Number(addr));
      }
    }
    return out;
  }

  /** One command on the server at `port`. */
  call(port: number, command: string, ...args: (string | number)[]): Promise<unknown> {
    const client = this.clients.get(port);
    if (!client) throw new Error(`no redis-server on port ${port}`);
    return client.call(command, ...args);
  }

  async close(): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.quit().catch(() => undefined)));
  }
}

/** One TCP socket as `ss -tinpH` shows it. */
export interface SocketBytes {
  localPort: number;
  pid: number | undefined;
  bytesReceived: number;
}

/** Parses `ss -tinpH`: a line per socket with its addresses and owner, then its TCP info. */
export function parseSs(text: string): SocketBytes[] {
  const out: SocketBytes[] = [];
  let current: SocketBytes | undefined;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    if (!/^\s/.test(line)) {
      const [, , local = ''] = line.trim().split(/\s+/);
      const pid = /pid=(\d+)/.exec(line)?.[1];
      current = {
        localPort: Number(local.slice(local.lastIndexOf(':') + 1)),
        pid: pid === undefined ? undefined : Number(pid),
        bytesReceived: 0,
      };
      out.push(current);
    } else if (current) {
      current.bytesReceived = Number(/bytes_received:(\d+)/.exec(line)?.[1] ?? 0);
    }
  }
  return out;
}

/** Bytes received so far on the given local ports, summed per owning process. */
export async function bytesReceivedByPid(localPorts: Set<number>): Promise<Map<number, number>> {
  const { stdout } = await run('ss', ['-tinpH', 'state', 'established'], {
    maxBuffer: 64 * 1024 * 1024,
  });
  const out = new Map<number, number>();
  for (const s of parseSs(stdout)) {
    if (s.pid === undefined || !localPorts.has(s.localPort)) continue;
    out.set(s.pid, (out.get(s.pid) ?? 0) + s.bytesReceived);
  }
  return out;
}
