import { describe, expect, onTestFinished, test } from 'vitest';
import {
  connect,
  createClient,
  joinOk,
  send,
  sendOk,
  waitFor,
  type Transport,
} from './support/client.js';
import { defaultConfig } from '../src/config.js';
import { startTestServer } from './support/server.js';
import { spawnServer } from './support/process.js';
import { RedisProcess } from './support/redis.js';

const get = (url: string) => fetch(url, { signal: AbortSignal.timeout(5000) });

/** The value of one sample in Prometheus text format, or undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('HTTP endpoints', () => {
  test('/healthz and /readyz answer 200 while serving', async () => {
    const { url } = await startTestServer();
    const health = await get(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await get(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: {} });
  });

  test('unknown paths are a JSON 404 without framework banners', async () => {
    const { url } = await startTestServer();
    const res = await get(`${url}/nope`);
    expect(res.status).toBe(404);
    expect(res.headers.get('x-powered-by')).toBeNull();
    expect(await res.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'not found' } });
  });

  test('/metrics reports connections by transport, messages, acks by code and loop lag', async () => {
    const { url, metricsUrl } = await startTestServer();
    const ws = await connect(url, { name: 'ws', transports: ['websocket'] });
    const poll = await connect(url, { name: 'poll', transports: ['polling'] });
    await joinOk(ws, 'general');
    await joinOk(poll, 'general');
    const delivered = waitFor(poll, 'message');
    await sendOk(ws, 'general', 'counted');
    await delivered;
    await send(ws, 'general', '   ');
    const res = await get(`${metricsUrl}/metrics`);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(sample(text, 'chat_connections{transport="websocket"}')).toBe(1);
    expect(sample(text, 'chat_connections{transport="polling"}')).toBe(1);
    expect(sample(text, 'chat_messages_received_total')).toBe(1);
    expect(sample(text, 'chat_messages_delivered_total')).toBe(1);
    expect(sample(text, 'chat_acks_total{event="message:send",code="OK"}')).toBe(1);
    expect(sample(text, 'chat_acks_total{event="message:send",code="EMPTY_TEXT"}')).toBe(1);
    expect(sample(text, 'chat_acks_total{event="room:join",code="OK"}')).toBe(2);
    expect(sample(text, 'chat_event_loop_lag_seconds{quantile="0.99"}')).toBeGreaterThanOrEqual(0);
  });

  test('a polling client that upgrades is counted under websocket', async () => {
    const { url, metricsUrl } = await startTestServer();
    const client = await connect(url, { transports: ['polling', 'websocket'] });
    if (client.io.engine.transport.name !== 'websocket') {
      await waitFor(client.io.engine as never, 'upgrade');
    }
    const text = await (await get(`${metricsUrl}/metrics`)).text();
    expect(sample(text, 'chat_connections{transport="websocket"}')).toBe(1);
    expect(sample(text, 'chat_connections{transport="polling"}')).toBe(0);
  });

  test('metrics are not on the public port, and their listener is private by default', async () => {
    const { url, metricsUrl } = await startTestServer();
    expect((await get(`${url}/metrics`)).status).toBe(404);
    expect(new URL(metricsUrl).hostname).toBe('127.0.0.1');
    expect(defaultConfig.metricsHost).toBe('127.0.0.1');
    // The operators' listener serves metrics and nothing else.
    expect((await get(`${metricsUrl}/metrics`)).status).toBe(200);
    expect((await get(`${metricsUrl}/healthz`)).status).toBe(404);
    expect((await get(`${metricsUrl}/api/auth/session`)).status).toBe(404);
  });
});

describe.each<Transport>(['websocket', 'polling'])(
  'graceful shutdown with a %s client',
  (transport) => {
    test('drains: /readyz 503, new handshakes refused, sockets closed so clients reconnect', async () => {
      const { url, server } = await startTestServer({ shutdownDrainMs: 300 });
      const client = await connect(url, { transports: [transport] });
      await joinOk(client, 'general');
      const disconnected = waitFor<string>(client, 'disconnect');

      const closed = server.close();
      expect(server.state).toBe('draining');
      expect((await get(`${url}/readyz`)).status).toBe(503);
      expect((await get(`${url}/healthz`)).status).toBe(200);
      const late = createClient(url, { transports: [transport] });
      const refused = await new Promise<Error>((resolve) => late.once('connect_error', resolve));
      expect(refused.message).toMatch(/poll error|websocket error/);
      // Still serving the clients it has while load balancers take it out of rotation.
      expect((await send(client, 'general', 'during drain')).ok).toBe(true);

      // No disconnect packet: "transport close" is what makes socket.io-client reconnect.
      expect(await disconnected).toBe('transport close');
      await closed;
      expect(server.state).toBe('closed');
      await expect(get(`${url}/healthz`)).rejects.toThrow();
      await server.close(); // idempotent
    });
  },
);

describe('the server process', () => {
  test.each(['SIGTERM', 'SIGINT'] as const)(
    'exits 0 on %s after draining its clients',
    async (signal) => {
      const proc = spawnServer({ SHUTDOWN_DRAIN_MS: '300', SHUTDOWN_TIMEOUT_MS: '5000' });
      const listening = await proc.waitForLog((l) => l.msg === 'listening');
      const url = String(listening.url);
      const client = await connect(url, { name: 'proc' });
      await joinOk(client, 'general');
      const disconnected = waitFor<string>(client, 'disconnect');
      const started = Date.now();
      proc.child.kill(signal);
      await proc.waitForLog((l) => l.msg === 'draining');
      expect((await get(`${url}/readyz`)).status).toBe(503);
      expect(await disconnected).toBe('transport close');
      const { code } = await proc.exited;
      expect(code).toBe(0);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(proc.logs.some((l) => l.msg === 'closed')).toBe(true);
    },
  );

  test('a stop while Redis is down finishes at once and exits 0', async () => {
    const redis = new RedisProcess();
    await redis.start();
    onTestFinished(() => redis.stop().then(() => undefined));
    const proc = spawnServer({ REDIS_URL: redis.url, SHUTDOWN_TIMEOUT_MS: '10000' });
    await proc.waitForLog((l) => l.msg === 'redis up');
    const listening = await proc.waitForLog((l) => l.msg === 'listening');
    const client = await connect(String(listening.url), { name: 'proc' });
    await joinOk(client, 'general');
    await redis.stop('SIGKILL');
    await proc.waitForLog((l) => l.msg === 'redis down');
    const started = Date.now();
    proc.child.kill('SIGTERM');
    const { code } = await proc.exited;
    const took = Date.now() - started;
    console.info(`stopped in ${took} ms with Redis down`);
    expect(code).toBe(0);
    expect(took).toBeLessThan(3000);
    expect(proc.logs.some((l) => l.msg === 'shutdown timed out; exiting')).toBe(false);
  });

  test('logs JSON lines and answers on the port it reports', async () => {
    const proc = spawnServer({});
    const listening = await proc.waitForLog((l) => l.msg === 'listening');
    expect(listening).toMatchObject({ level: 30, msg: 'listening' });
    expect((await get(`${String(listening.url)}/healthz`)).status).toBe(200);
    const operators = await proc.waitForLog((l) => l.msg === 'metrics listening');
    const metrics = await (await get(`${String(operators.url)}/metrics`)).text();
    // The entry file adds the process metrics to the registry.
    expect(metrics).toContain('process_cpu_seconds_total');
    expect(metrics).toContain('chat_connections');
    proc.child.kill('SIGTERM');
    expect((await proc.exited).code).toBe(0);
  });
});
