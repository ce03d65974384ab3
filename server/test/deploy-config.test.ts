import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../src/config.js';

const run = promisify(execFile);
const HAPROXY = process.env.HAPROXY_PATH ?? 'haproxy';

async function makeCert(): Promise<string> {
  const path = join(mkdtempSync(join(tmpdir(), 'chat-cert-')), 'local.pem');
  await run('bash', ['scripts/make-cert.sh', path]);
  return path;
}

test('haproxy -c accepts haproxy/haproxy.cfg with its defaults and with compose-style values', async () => {
  const cert = await makeCert();
  const local = await run(HAPROXY, ['-c', '-f', 'haproxy/haproxy.cfg'], {
    env: { ...process.env, HAPROXY_CERT: cert },
  });
  expect(local.stdout + local.stderr).toMatch(/Configuration file is valid/);
  const elsewhere = await run(HAPROXY, ['-c', '-f', 'haproxy/haproxy.cfg'], {
    env: {
      ...process.env,
      HAPROXY_CERT: cert,
      HAPROXY_HTTP_BIND: '127.0.0.1:18080',
      HAPROXY_HTTPS_BIND: '127.0.0.1:18443',
      HAPROXY_STATS_BIND: '127.0.0.1:18404',
      APP1_ADDR: '127.0.0.2:4001',
      APP2_ADDR: '127.0.0.3:4002',
      APP3_ADDR: '127.0.0.4:4003',
    },
  });
  expect(elsewhere.stdout + elsewhere.stderr).toMatch(/Configuration file is valid/);
});

test('haproxy -c refuses the config when the certificate is missing', async () => {
  await expect(
    run(HAPROXY, ['-c', '-f', 'haproxy/haproxy.cfg'], {
      env: { ...process.env, HAPROXY_CERT: '/nonexistent/cert.pem' },
    }),
  ).rejects.toThrow();
});

test('docker-compose.yml has the topology and settings of the local cluster', async () => {
  const { stdout } = await run(process.execPath, ['scripts/check-compose.js']);
  expect(stdout).toMatch(/ok/i);
});

interface ComposeService {
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
}

test('docker-compose.redis-cluster.yml puts the three nodes on a six-node Redis Cluster it creates', () => {
  const base = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true }) as {
    services: Record<string, ComposeService>;
  };
  const { services } = parse(readFileSync('docker-compose.redis-cluster.yml', 'utf8'), {
    merge: true,
  }) as { services: Record<string, ComposeService> };
  const redisNodes = Object.keys(services).filter((name) => /^redis-\d$/.test(name));
  expect(redisNodes).toHaveLength(6);
  for (const name of redisNodes) {
    expect(services[name]?.command?.join(' ')).toMatch(/--cluster-enabled yes .*--appendonly yes/);
  }
  const create = services['redis-cluster']?.command?.join(' ') ?? '';
  expect(create).toContain('--cluster-replicas 1');
  for (const name of redisNodes) expect(create).toContain(`${name}:6379`);

  for (const app of ['app1', 'app2', 'app3']) {
    const override = services[app];
    expect(override?.depends_on?.['redis-cluster']?.condition).toBe(
      'service_completed_successfully',
    );
    // What the node reads: the base file's settings, then the override's.
    const env = { ...base.services[app]?.environment, ...override?.environment };
    const config = loadConfig(env);
    expect(config.redisUrl).toBeUndefined();
    expect(config.redisClusterNodes?.split(',').sort()).toEqual(
      redisNodes.map((name) => `${name}:6379`).sort(),
    );
    expect(config.redisAdapter).toBe('sharded');
    expect(config.redisAckReplicas).toBe(1);
    // The record stays in PostgreSQL: Redis Cluster carries what Redis does.
    expect(config.databaseUrl).toBe('postgres://chat:chat@postgres:5432/chat');
  }
});
