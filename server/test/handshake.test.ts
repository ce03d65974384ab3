import { request } from 'node:http';
import WebSocket from 'ws';
import { describe, expect, test } from 'vitest';
import { ErrorCode } from '../../common/contract.js';
import { connect, createClient, type Transport } from './support/client.js';
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
    ['missing', {}],
    ['not a string', { name: 42 }],
    ['empty', { name: '' }],
    ['only spaces', { name: '   ' }],
    ['too long', { name: 'x'.repeat(33) }],
    ['control characters', { name: 'bad\u0007name' }],
    ['a newline', { name: 'two\nlines' }],
  ])('a name that is %s is refused with INVALID_NAME', async (_label, auth) => {
    const { url } = await startTestServer();
    const err = await connectError(url, auth, transport);
    expect(err.data?.code).toBe(ErrorCode.INVALID_NAME);
    expect(err.message.length).toBeGreaterThan(3);
    expect(err.message).not.toMatch(/at .+\.(ts|js):\d+/);
  });

  test('a valid name is trimmed and accepted, emoji and accents included', async () => {
    const { url, server } = await startTestServer();
    const client = await connect(url, { name: '  Zoë 👩‍💻  ', transports: [transport] });
    const [socket] = await server.io.fetchSockets();
    expect(client.connected).toBe(true);
    expect(socket?.data.member.name).toBe('Zoë 👩‍💻');
    expect(socket?.data.member.id).toMatch(/^[A-Za-z0-9_-]{12}$/);
  });

  test('32 characters is the longest name', async () => {
    const { url } = await startTestServer();
    const client = await connect(url, { name: '界'.repeat(32), transports: [transport] });
    expect(client.connected).toBe(true);
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

describe('ALLOWED_ORIGINS', () => {
  const allowedOrigins = ['https://chat.example.com'];

  test('a foreign origin gets HTTP 403 on polling and on websocket', async () => {
    const { url } = await startTestServer({ allowedOrigins });
    const evil = { Origin: 'https://evil.example.net' };
    expect(await httpStatus(url, evil)).toBe(403);
    expect(await upgradeStatus(url, evil)).toBe(403);
  });

  test('a listed origin, the same origin and no origin are accepted', async () => {
    const { url } = await startTestServer({ allowedOrigins });
    expect(await httpStatus(url, { Origin: 'https://chat.example.com' })).toBe(200);
    expect(await upgradeStatus(url, { Origin: 'https://chat.example.com' })).toBe(101);
    expect(await httpStatus(url, { Origin: url })).toBe(200);
    expect(await upgradeStatus(url, {})).toBe(101);
  });

  test('a socket.io client sending a foreign origin cannot connect', async () => {
    const { url } = await startTestServer({ allowedOrigins });
    // Node clients send no Origin by default; this one forges one, as a page on evil.example would.
    const headers = { Origin: 'https://evil.example.net' };
    const polling = await connectError(url, { name: 'mallory' }, 'polling', headers);
    expect(polling.message).toBe('xhr poll error');
    expect((polling as { description?: unknown }).description).toBe(403);
    const websocket = await connectError(url, { name: 'mallory' }, 'websocket', headers);
    expect(websocket.message).toBe('websocket error');
    const allowed = await connect(url, {
      transports: ['websocket'],
      extraHeaders: { Origin: 'https://chat.example.com' },
    });
    expect(allowed.connected).toBe(true);
  });

  test('without ALLOWED_ORIGINS any origin may connect', async () => {
    const { url } = await startTestServer();
    expect(await httpStatus(url, { Origin: 'https://anywhere.example' })).toBe(200);
    expect(await upgradeStatus(url, { Origin: 'https://anywhere.example' })).toBe(101);
  });
});
