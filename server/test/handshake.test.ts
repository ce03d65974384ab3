import { request } from 'node:http';
import WebSocket from 'ws';
import { describe, expect, test } from 'vitest';
import { ErrorCode } from '../../common/contract.js';
import { apiRequest, signInGuest, signUp } from './support/accounts.js';
import { connect, createClient, identity, waitFor, type Transport } from './support/client.js';
import { startTestServer } from './support/server.js';

interface ConnectError extends Error {
  data?: { code?: string };
}

async function connectError(
  url: string,
  auth: unknown,
  transport: Transport,
  extraHeaders: Record<string, string> = {},
) {
  const socket = createClient(url, {
    auth: auth as Record<string, unknown>,
    transports: [transport],
    extraHeaders,
  });
  return new Promise<ConnectError>((resolve, reject) => {
    socket.once('connect', () => {
      reject(new Error('connected although it should not'));
    });
    socket.once('connect_error', resolve);
  });
}

describe.each<Transport>(['websocket', 'polling'])('handshake over %s', (transport) => {
  test.each([
    ['no credentials', {}],
    ['a session that is not a string', { session: 42 }],
    ['an unknown session', { session: 'x'.repeat(43) }],
    ['an empty session', { session: '' }],
  ])('%s is refused with UNAUTHORIZED', async (_label, auth) => {
    const { url } = await startTestServer();
    const err = await connectError(url, auth, transport);
    expect(err.data?.code).toBe(ErrorCode.UNAUTHORIZED);
    expect(err.message.length).toBeGreaterThan(3);
    expect(err.message).not.toMatch(/at .+\.(ts|js):\d+/);
  });

  test('the session cookie authenticates, and the connection is its user', async () => {
    const { url, server } = await startTestServer();
    const zoe = await signInGuest(url, '  Zoë 👩‍💻  ');
    const client = await connect(url, {
      auth: {},
      transports: [transport],
      extraHeaders: { cookie: `theme=dark; ${zoe.cookie}` },
    });
    const [socket] = await server.io.fetchSockets();
    expect(client.connected).toBe(true);
    expect(socket?.data.member).toEqual({ id: zoe.user.id, name: 'Zoë 👩‍💻', guest: true });
  });

  test('a program may pass its session token as auth.session instead', async () => {
    const { url, server } = await startTestServer();
    const kim = await signUp(url, 'kim', 'Kim');
    const client = await connect(url, { session: kim.token, transports: [transport] });
    const [socket] = await server.io.fetchSockets();
    expect(client.connected).toBe(true);
    expect(socket?.data.member).toEqual({ id: kim.user.id, name: 'Kim', username: 'kim' });
    // Spent once the connection is accepted: other nodes asking for sockets never see it.
    expect(socket?.handshake.auth).toEqual({});
  });

  test('a signed-out session can no longer connect', async () => {
    const { url } = await startTestServer();
    const kim = await signUp(url, 'kim');
    await apiRequest(url, 'POST', '/api/auth/logout', undefined, { cookie: kim.cookie });
    const err = await connectError(url, { session: kim.token }, transport);
    expect(err.data?.code).toBe(ErrorCode.UNAUTHORIZED);
  });
});

describe('connection caps', () => {
  test('a user may hold MAX_CONNECTIONS_PER_USER connections; one more is refused until one closes', async () => {
    const { url, server } = await startTestServer({ maxConnectionsPerUser: 2 });
    const first = await connect(url, { name: 'tabs' });
    await connect(url, { name: 'tabs' });
    const err = await connectError(
      url,
      { session: (await identity(url, 'tabs')).token },
      'websocket',
    );
    expect(err.data?.code).toBe(ErrorCode.TOO_MANY_CONNECTIONS);
    expect(err.message).toMatch(/at most 2 connections/);
    // Another user is not affected.
    expect((await connect(url, { name: 'other' })).connected).toBe(true);
    const gone = waitFor(server.io.of('/').sockets.get(first.id ?? '') ?? first, 'disconnect');
    first.disconnect();
    await gone;
    expect((await connect(url, { name: 'tabs' })).connected).toBe(true);
  });

  test('one address may hold MAX_CONNECTIONS_PER_ADDRESS connections, whoever signs in', async () => {
    const { url } = await startTestServer({ maxConnectionsPerAddress: 2 });
    await connect(url, { name: 'a' });
    await connect(url, { name: 'b' });
    const err = await connectError(url, { session: (await identity(url, 'c')).token }, 'polling');
    expect(err.data?.code).toBe(ErrorCode.TOO_MANY_CONNECTIONS);
    expect(err.message).toMatch(/this address/);
  });
});

function httpStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/socket.io/?EIO=4&transport=polling`, { headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

function upgradeStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`, {
      headers,
    });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => {
      resolve(101);
      ws.close();
    });
    ws.on('error', () => {
      resolve(-1);
    });
  });
}

describe('origins', () => {
  const allowedOrigins = ['https://chat.example.com'];

  test('a foreign origin gets HTTP 403 on polling and on websocket, whatever Host says', async () => {
    const { url } = await startTestServer();
    const evil = { Origin: 'http://evil.example' };
    expect(await httpStatus(url, evil)).toBe(403);
    expect(await upgradeStatus(url, evil)).toBe(403);
    // A DNS-rebinding page sends its own host in both headers.
    const rebound = { Origin: 'http://evil.example', Host: 'evil.example' };
    expect(await httpStatus(url, rebound)).toBe(403);
    expect(await upgradeStatus(url, rebound)).toBe(403);
  });

  test('the server’s own origin, a listed origin and no origin are accepted', async () => {
    const { url } = await startTestServer({ allowedOrigins });
    expect(await httpStatus(url, { Origin: 'https://chat.example.com' })).toBe(200);
    expect(await upgradeStatus(url, { Origin: 'https://chat.example.com' })).toBe(101);
    expect(await httpStatus(url, { Origin: url })).toBe(200);
    expect(await upgradeStatus(url, { Origin: url.replace('127.0.0.1', 'localhost') })).toBe(101);
    expect(await upgradeStatus(url, {})).toBe(101);
  });

  test('with PUBLIC_ORIGIN, that origin is the page’s, and localhost is foreign', async () => {
    const { url } = await startTestServer({ publicOrigin: 'https://chat.example.org' });
    expect(await upgradeStatus(url, { Origin: 'https://chat.example.org' })).toBe(101);
    expect(await upgradeStatus(url, { Origin: url })).toBe(403);
  });

  test.each<Transport>(['polling', 'websocket'])(
    'a page of another site cannot open a socket with the visitor’s cookie (%s)',
    async (transport) => {
      const { url } = await startTestServer();
      const victim = await signUp(url, 'victim');
      // A Node client forges what a browser on evil.example would send: Origin and the cookie.
      const headers = { Origin: 'http://evil.example', cookie: victim.cookie };
      const err = await connectError(url, {}, transport, headers);
      expect(err.message).toBe(transport === 'polling' ? 'xhr poll error' : 'websocket error');
      if (transport === 'polling') expect((err as { description?: unknown }).description).toBe(403);
      const allowed = await connect(url, {
        auth: {},
        transports: [transport],
        extraHeaders: { Origin: url, cookie: victim.cookie },
      });
      expect(allowed.connected).toBe(true);
    },
  );
});
