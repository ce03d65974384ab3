import { io, type Socket } from 'socket.io-client';
import { expect, onTestFinished, test } from 'vitest';
import { ErrorCode } from '../../common/contract.js';
import { signUp } from './support/accounts.js';
import { connect, joinOk } from './support/client.js';
import { health, newDeployment, startNode } from './support/cluster.js';
import { RedisProcess } from './support/redis.js';
import { startTestServer } from './support/server.js';

/** A connection to the admin namespace: resolves with the socket, or with the refusal. */
function admin(
  url: string,
  session?: string,
  before?: (socket: Socket) => void,
): Promise<Socket | (Error & { data?: { code?: string } })> {
  const socket = io(`${url}/admin`, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    ...(session === undefined ? {} : { auth: { session } }),
  });
  onTestFinished(() => {
    socket.disconnect();
  });
  before?.(socket);
  return new Promise((resolve) => {
    socket.once('connect', () => {
      resolve(socket);
    });
    socket.once('connect_error', resolve);
  });
}

test('with ADMIN_UI=true the admin UI is served and its namespace admits signed-in operators only', async () => {
  const { url } = await startTestServer({ adminUi: true, adminUsers: ['root'], scryptCost: 10 });
  const root = await signUp(url, 'root');
  const member = await signUp(url, 'mike');
  const chatting = await connect(url, { session: member.token });
  await joinOk(chatting, 'general');

  let configured: Promise<unknown> = Promise.resolve();
  let stats: Promise<unknown> = Promise.resolve();
  const page = await fetch(`${url}/admin/`);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('Socket.IO Admin UI');
  expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");

  const anonymous = await admin(url);
  expect(anonymous).toBeInstanceOf(Error);
  expect((anonymous as { data?: { code?: string } }).data?.code).toBe(ErrorCode.UNAUTHORIZED);
  const notAdmin = await admin(url, member.token);
  expect((notAdmin as { data?: { code?: string } }).data?.code).toBe(ErrorCode.NOT_ALLOWED);

  const operator = await admin(url, root.token, (socket) => {
    // Production mode: aggregated events only, and stats of every namespace.
    configured = new Promise((resolve) => socket.once('config', resolve));
    stats = new Promise((resolve) => socket.once('server_stats', resolve));
  });
  if (operator instanceof Error) throw operator;
  const { supportedFeatures } = (await configured) as { supportedFeatures: string[] };
  expect(supportedFeatures).toContain('AGGREGATED_EVENTS');
  expect(supportedFeatures).not.toContain('ALL_EVENTS');
  const main = ((await stats) as { namespaces: { name: string; socketsCount: number }[] })
    .namespaces;
  expect(main.find((n) => n.name === '/')?.socketsCount).toBe(1);
  // An operator can disconnect a client without touching code.
  const gone = new Promise((resolve) => chatting.once('disconnect', resolve));
  operator.emit('_disconnect', '/', true, chatting.id);
  expect(await gone).toBe('io server disconnect');
});

test('without ADMIN_UI there is no admin namespace and no page', async () => {
  const { url } = await startTestServer({ adminUsers: ['root'], scryptCost: 10 });
  const root = await signUp(url, 'root');
  const refused = await admin(url, root.token);
  expect(refused).toBeInstanceOf(Error);
  expect((refused as Error).message).toMatch(/Invalid namespace/);
  expect((await fetch(`${url}/admin/`)).status).toBe(404);
});

test('while Redis is down an operator is refused with UNAVAILABLE, not UNAUTHORIZED; admitted again once it is back', async () => {
  // AOF on, so that the session outlives the restart.
  const redis = new RedisProcess({ appendonly: true });
  await redis.start();
  onTestFinished(async () => {
    await redis.stop();
  });
  const node = await startNode(redis.url, newDeployment(), {
    adminUi: true,
    adminUsers: ['root'],
    scryptCost: 10,
  });
  const root = await signUp(node.url, 'root');
  const before = await admin(node.url, root.token);
  if (before instanceof Error) throw before;
  before.disconnect();

  await redis.stop();
  await health(node.redis, false);
  const during = await admin(node.url, root.token);
  expect(during).toBeInstanceOf(Error);
  expect((during as { data?: { code?: string } }).data?.code).toBe(ErrorCode.UNAVAILABLE);

  await redis.start();
  await health(node.redis, true);
  const after = await admin(node.url, root.token);
  if (after instanceof Error) throw after;
  expect(after.connected).toBe(true);
});
