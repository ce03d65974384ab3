import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';
import { expect, test } from 'vitest';
import { startTestServer } from './support/server.js';

// A script of the page's kind of size: 60 KB of source that compresses well.
const SCRIPT = Array.from({ length: 1500 }, (_, i) => `console.log('line ${i}');`).join('\n');

function builtClient(): string {
  const dir = mkdtempSync(join(tmpdir(), 'chat-client-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Chat</title>');
  writeFileSync(join(dir, 'assets', 'index-abc123.js'), SCRIPT);
  return dir;
}

test('the built client is served on the same origin with a CSP that forbids inline scripts', async () => {
  const { url } = await startTestServer({ client: 'static', clientDir: builtClient() });
  const page = await fetch(`${url}/?transport=polling`);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('<title>Chat</title>');
  expect(page.headers.get('cache-control')).toBe('no-cache');
  const csp = page.headers.get('content-security-policy') ?? '';
  const directive = (name: string) =>
    csp
      .split(';')
      .map((d) => d.trim())
      .find((d) => d.startsWith(`${name} `));
  expect(directive('script-src')).toBe("script-src 'self'");
  expect(directive('default-src')).toBe("default-src 'self'");
  expect(directive('object-src')).toBe("object-src 'none'");
  expect(directive('frame-ancestors')).toBe("frame-ancestors 'none'");
  expect(csp).not.toContain('unsafe-inline');
  expect(page.headers.get('x-content-type-options')).toBe('nosniff');

  const asset = await fetch(`${url}/assets/index-abc123.js`);
  expect(asset.status).toBe(200);
  expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
});

test('without a build the page is a 404 but the chat endpoint and probes still work', async () => {
  const { url } = await startTestServer({ client: 'static', clientDir: '/nonexistent/client' });
  expect((await fetch(`${url}/`)).status).toBe(404);
  expect((await fetch(`${url}/healthz`)).status).toBe(200);
  expect((await fetch(`${url}/socket.io/?EIO=4&transport=polling`)).status).toBe(200);
});

test('the page’s files go out compressed, brotli or gzip as the browser accepts', async () => {
  const { url } = await startTestServer({ client: 'static', clientDir: builtClient() });
  const path = `${url}/assets/index-abc123.js`;
  for (const encoding of ['br', 'gzip']) {
    const res = await fetch(path, { headers: { 'accept-encoding': encoding } });
    expect(res.headers.get('content-encoding')).toBe(encoding);
    expect(res.headers.get('vary')).toMatch(/Accept-Encoding/i);
    // fetch decodes the body; what travelled is what the counter saw.
    expect(await res.text()).toBe(SCRIPT);
  }
  const raw = await fetch(path, { headers: { 'accept-encoding': 'identity' } });
  expect(raw.headers.get('content-encoding')).toBeNull();
  expect((await raw.text()).length).toBe(SCRIPT.length);
});

test('the production build publishes no source maps', async () => {
  const out = mkdtempSync(join(tmpdir(), 'chat-build-'));
  await build({
    configFile: 'vite.config.ts',
    build: { outDir: out, emptyOutDir: true },
    logLevel: 'silent',
  });
  const built = join(out, 'assets');
  const files = readdirSync(built);
  expect(files.some((f) => f.endsWith('.js'))).toBe(true);
  expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
  for (const f of files.filter((name) => name.endsWith('.js'))) {
    expect(readFileSync(join(built, f), 'utf8')).not.toContain('sourceMappingURL');
  }
});
