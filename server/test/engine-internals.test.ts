import type { IncomingMessage } from 'node:http';
import { describe, expect, onTestFinished, test } from 'vitest';
import { WebSocket } from 'ws';
import type { Message } from '../../common/contract.js';
import {
  CHECKED_AGAINST,
  directFramesProblem,
  releaseRequestProblem,
} from '../src/engine-internals.js';
import type { ChatSocket } from '../src/io.js';
import {
  collect,
  connect,
  joinOk,
  roundTrip,
  sendOk,
  type ChatClient,
  type Transport,
} from './support/client.js';
import { startTestServer, type TestServer } from './support/server.js';

// These tests guard server/src/engine-internals.ts, the one module that relies on
// private parts of Socket.IO, Engine.IO and ws. When one of them fails after an upgrade,
// read that module: each reliance says what it expects and how it falls back.
const GUARD = `server/src/engine-internals.ts relies on internals checked against ${CHECKED_AGAINST}`;

function serverSocket(server: TestServer, name: string): ChatSocket {
  const socket = [...server.server.io.of('/').sockets.values()].find(
    (s) => s.data.member.name === name,
  );
  if (!socket) throw new Error(`no server socket for ${name}`);
  return socket;
}

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.slice(name.length + 1));
}

describe('the internals are as engine-internals.ts expects', () => {
  test.each<Transport>(['websocket', 'polling'])(
    'broadcast fast path, on %s',
    async (transport) => {
      const server = await startTestServer();
      await connect(server.url, { name: 'alice', transports: [transport] });
      expect(directFramesProblem(serverSocket(server, 'alice')), GUARD).toBeUndefined();
    },
  );

  test.each<Transport>(['websocket', 'polling'])(
    'handshake request released once connected, on %s',
    async (transport) => {
      const server = await startTestServer();
      await connect(server.url, { name: 'alice', transports: [transport] });
      const socket = serverSocket(server, 'alice');
      expect(releaseRequestProblem(socket), GUARD).toBeUndefined();
      expect((socket.conn as unknown as { request: unknown }).request, GUARD).toBeNull();
      expect(socket.handshake.headers).toEqual({});
    },
  );

  test('the fast path is visible in /metrics: WebSocket connections on it, polling ones not', async () => {
    const server = await startTestServer();
    await connect(server.url, { name: 'ws1' });
    await connect(server.url, { name: 'ws2' });
    await connect(server.url, { name: 'polling', transports: ['polling'] });
    expect(await metric(server.metricsUrl, 'chat_fast_path_connections'), GUARD).toBe(2);
  });
});

test('a socket’s listeners run with the socket as this, onAny’s included', async () => {
  // socket/connection.ts shares its listeners between connections and finds each one's
  // context through `this`: Node's EventEmitter documents it, Socket.IO's onAny does it.
  const LISTENERS = 'server/src/socket/connection.ts relies on `this` in socket listeners';
  const server = await startTestServer();
  const alice = await connect(server.url, { name: 'alice' });
  const socket = serverSocket(server, 'alice');
  const seen = new Promise<unknown[]>((resolve) => {
    const thisOf: unknown[] = [];
    socket.onAny(function (this: unknown) {
      thisOf.push(this);
    });
    socket.on('disconnect', function (this: unknown) {
      thisOf.push(this);
      resolve(thisOf);
    });
  });
  await roundTrip(alice);
  alice.disconnect();
  const thisOf = await seen;
  expect(thisOf, LISTENERS).toHaveLength(2);
  for (const t of thisOf) expect(t === socket, LISTENERS).toBe(true);
});

describe('io.engine.use() keeps working with the request released', () => {
  interface Seen {
    url: string;
    res: object;
  }
  /** An async engine middleware, as session middlewares are: reads req, sets a header. */
  async function withMiddleware(): Promise<{ server: TestServer; seen: Seen[] }> {
    const server = await startTestServer();
    const seen: Seen[] = [];
    server.server.io.engine.use(
      (req: IncomingMessage, res: { setHeader(n: string, v: string): void }, next: () => void) => {
        void Promise.resolve().then(() => {
          res.setHeader('x-middleware-saw', String(req.headers['x-probe'] ?? 'none'));
          seen.push({ url: req.url ?? '', res });
          next();
        });
      },
    );
    return { server, seen };
  }

  /** Opens a raw WebSocket to Engine.IO and resolves with the upgrade response. */
  function upgrade(url: string, query: string): Promise<IncomingMessage> {
    const ws = new WebSocket(
      `${url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket${query}`,
      {
        headers: { 'x-probe': 'upgrade' },
      },
    );
    onTestFinished(() => {
      ws.terminate();
    });
    return new Promise((resolve, reject) => {
      ws.once('upgrade', resolve);
      ws.once('error', reject);
    });
  }

  test('on a polling handshake', async () => {
    const { server } = await withMiddleware();
    const res = await fetch(`${server.url}/socket.io/?EIO=4&transport=polling`, {
      headers: { 'x-probe': 'polling' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-middleware-saw')).toBe('polling');
  });

  test('on a new WebSocket connection, and the stand-in response lets go of the request', async () => {
    const { server, seen } = await withMiddleware();
    const res = await upgrade(server.url, '');
    expect(res.statusCode).toBe(101);
    expect(res.headers['x-middleware-saw']).toBe('upgrade');
    const standIn = seen.find((s) => s.url.includes('transport=websocket'))?.res;
    expect(standIn && 'req' in standIn ? standIn.req : 'no stand-in', GUARD).toBeUndefined();
  });

  test('on the upgrade of a polling session', async () => {
    const { server, seen } = await withMiddleware();
    const open = await (await fetch(`${server.url}/socket.io/?EIO=4&transport=polling`)).text();
    const sid = (JSON.parse(open.slice(1)) as { sid: string }).sid;
    const res = await upgrade(server.url, `&sid=${sid}`);
    expect(res.statusCode).toBe(101);
    expect(res.headers['x-middleware-saw']).toBe('upgrade');
    const standIn = seen.find((s) => s.url.includes(`sid=${sid}`) && s.url.includes('websocket'));
    expect(
      standIn && 'req' in standIn.res ? standIn.res.req : 'no stand-in',
      GUARD,
    ).toBeUndefined();
  });

  test.each<Transport>(['websocket', 'polling'])(
    'a Socket.IO client connects and chats through it on %s',
    async (transport) => {
      const { server } = await withMiddleware();
      const alice = await connect(server.url, {
        name: 'alice',
        transports: [transport],
        extraHeaders: { 'x-probe': 'client' },
      });
      await joinOk(alice, 'general');
      expect((await sendOk(alice, 'general', 'hello')).text).toBe('hello');
    },
  );
});

// Bursts of sends well above the per-connection limits, which are not what is tested here.
const unlimited = {
  messageRatePerSec: 1000,
  messageBurst: 1000,
  eventRatePerSec: 1000,
  eventBurst: 1000,
};

/** Counts, on the server side of `name`'s connection, the chat messages Engine.IO packetised. */
function packetisedMessages(server: TestServer, name: string): () => number {
  const socket = serverSocket(server, name);
  let count = 0;
  socket.conn.on('packetCreate', (packet: { data?: unknown }) => {
    if (typeof packet.data === 'string' && packet.data.startsWith('2["message"')) count++;
  });
  return () => count;
}

async function received(client: ChatClient, got: Message[], count: number): Promise<void> {
  while (got.length < count) await roundTrip(client);
}

test('broadcasts reach WebSocket clients as direct frames and polling clients as packets, in order', async () => {
  const server = await startTestServer(unlimited);
  const alice = await connect(server.url, { name: 'alice' });
  const ws = await connect(server.url, { name: 'ws' });
  const polling = await connect(server.url, { name: 'polling', transports: ['polling'] });
  for (const c of [alice, ws, polling]) await joinOk(c, 'general');
  const wsPackets = packetisedMessages(server, 'ws');
  const pollingPackets = packetisedMessages(server, 'polling');
  const wsGot = collect<Message>(ws, 'message');
  const pollingGot = collect<Message>(polling, 'message');

  const sent: string[] = [];
  for (let i = 0; i < 20; i++) sent.push((await sendOk(alice, 'general', `m${i}`)).id);
  await received(ws, wsGot, 20);
  await received(polling, pollingGot, 20);

  expect(wsGot.map((m) => m.id)).toEqual(sent);
  expect(pollingGot.map((m) => m.id)).toEqual(sent);
  // The WebSocket client's copies skipped Engine.IO's packet path; the polling client's did not.
  expect(wsPackets()).toBe(0);
  expect(pollingPackets()).toBe(20);
});

test('a client that upgrades from polling while messages flow gets each one once, in order', async () => {
  const server = await startTestServer(unlimited);
  const alice = await connect(server.url, { name: 'alice' });
  await joinOk(alice, 'general');
  // Default transports: polling first, then the upgrade to WebSocket.
  const bob = await connect(server.url, { name: 'bob', transports: ['polling', 'websocket'] });
  const bobGot = collect<Message>(bob, 'message');
  await joinOk(bob, 'general');
  const engine = bob.io.engine;
  const upgraded =
    engine.transport.name === 'websocket'
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          engine.once('upgrade', () => {
            resolve();
          });
        });

  const sends: Promise<Message>[] = [];
  for (let i = 0; i < 60; i++) sends.push(sendOk(alice, 'general', `m${i}`));
  const sent = (await Promise.all(sends)).map((m) => m.id);
  await upgraded;
  for (let i = 60; i < 80; i++) sent.push((await sendOk(alice, 'general', `m${i}`)).id);
  await received(bob, bobGot, 80);

  expect(bob.io.engine.transport.name).toBe('websocket');
  expect(bobGot.map((m) => m.id)).toEqual(sent);
});
