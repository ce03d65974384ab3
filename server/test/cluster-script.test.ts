import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { expect, onTestFinished, test } from 'vitest';
import { ErrorCode } from '../../common/contract.js';
import { signInGuest } from './support/accounts.js';
import { connect, joinOk, send } from './support/client.js';
import { freePort } from './support/redis.js';

/** `npm run cluster` as a person runs it, on ports of its own; stopped with Ctrl-C. */
async function runCluster(env: Record<string, string>) {
  const ports = {
    redis: await freePort(),
    http: await freePort(),
    https: await freePort(),
    stats: await freePort(),
    node: await freePort(),
    metrics: await freePort(),
  };
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'scripts/cluster.ts',
      '--nodes',
      '1',
      '--dir',
      mkdtempSync(join(tmpdir(), 'chat-cluster-')),
      '--redis-port',
      String(ports.redis),
      '--http-port',
      String(ports.http),
      '--stats-port',
      String(ports.stats),
      '--node-port',
      String(ports.node),
      '--metrics-port',
      String(ports.metrics),
    ],
    // The HTTPS port comes from the environment, the other way to set one.
    { env: { ...process.env, CLUSTER_HTTPS_PORT: String(ports.https), ...env } },
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  onTestFinished(async () => {
    if (child.exitCode === null) child.kill('SIGINT');
    await exited;
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      output += `${line}\n`;
      if (line.startsWith('Chat cluster running')) resolve();
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    void exited.then((code) => {
      reject(new Error(`cluster exited (${String(code)}):\n${output}`));
    });
  });
  return { url: `https://localhost:${ports.https}`, ports, output, child, exited };
}

// On a fresh checkout the script builds the server and page first, which takes a while.
const CLUSTER_TEST_MS = 120_000;

test(
  'npm run cluster takes its ports from options and the environment, and passes the chat settings to its nodes',
  async () => {
    const a = await runCluster({ GUESTS: 'true', RATE_LIMIT_BURST: '2', RATE_LIMIT_PER_SEC: '1' });
    const b = await runCluster({ GUESTS: 'true' });
    expect(a.output).toContain(`https://localhost:${a.ports.https}`);
    expect(a.output).toContain(`http://127.0.0.1:${a.ports.metrics}/metrics`);
    expect(b.output).toContain(`https://localhost:${b.ports.https}`);

    // Both run side by side; cluster A's nodes got RATE_LIMIT_BURST=2 from its environment.
    const socketOptions = { rejectUnauthorized: false, transports: ['websocket' as const] };
    const [alice, bob] = await Promise.all([
      signInGuest(a.url, 'alice'),
      signInGuest(b.url, 'bob'),
    ]);
    const onA = await connect(a.url, { session: alice.token, ...socketOptions });
    const onB = await connect(b.url, { session: bob.token, ...socketOptions });
    await joinOk(onA, 'general');
    await joinOk(onB, 'general');
    const acks = [];
    for (let i = 0; i < 3; i++) acks.push(await send(onA, 'general', `a${i}`));
    expect(acks.map((ack) => (ack.ok ? 'OK' : ack.error.code))).toEqual([
      'OK',
      'OK',
      ErrorCode.RATE_LIMITED,
    ]);
    for (let i = 0; i < 3; i++) expect((await send(onB, 'general', `b${i}`)).ok).toBe(true);

    // Ctrl-C stops each, promptly and cleanly.
    for (const cluster of [a, b]) {
      cluster.child.kill('SIGINT');
      expect(await cluster.exited).toBe(0);
    }
  },
  CLUSTER_TEST_MS,
);
