import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';

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
