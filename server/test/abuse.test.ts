import { Writable } from 'node:stream';
import { pino } from 'pino';
import WebSocket from 'ws';
import { describe, expect, test } from 'vitest';
import { ErrorCode, type Message, type PresenceEvent } from '../../common/contract.js';
import { createMemoryHistoryStore } from '../src/messages/memory-store.js';
import { StoreUnavailableError, type HistoryStore } from '../src/messages/store.js';
import {
  collect,
  connect,
  createClient,
  emitRaw,
  identity,
  joinOk,
  roundTrip,
  send,
  sendOk,
  waitFor,
  type Transport,
} from './support/client.js';
import { startTestServer } from './support/server.js';
import { RESERVED_EVENT_NAMES } from '../src/socket/parser.js';

/** Proves the server still does its whole job for a fresh pair of clients. */
async function expectServerHealthy(url: string) {
  const a = await connect(url, { name: 'healthy-a' });
  const b = await connect(url, { name: 'healthy-b', transports: ['polling'] });
  await joinOk(a, 'health');
  await joinOk(b, 'health');
  const got = waitFor<Message>(b, 'message');
  const sent = await sendOk(a, 'health', 'still alive');
  expect(await got).toEqual(sent);
}

let deep: unknown = 'bottom';
for (let i = 0; i < 500; i++) deep = { next: [deep] };

const junkPayloads: [string, unknown][] = [
  ['null', null],
  ['a number', 42],
  ['a string', 'general'],
  ['an array', ['general']],
  ['an empty object', {}],
  ['wrong field types', { room: 7, text: false, clientId: {}, before: [], typing: 'no' }],
  ['nested junk', { room: deep, text: deep, clientId: deep }],
  ['a huge string', { room: 'x'.repeat(60_000) }],
  ['a prototype trick', JSON.parse('{"__proto__": {"room": "general"}}')],
];
const eventsWithAck = ['room:join', 'room:leave', 'message:send', 'history:fetch', 'rooms:list'];

describe('malformed payloads', () => {
  test.each(junkPayloads)(
    '%s gets a BAD_REQUEST or INVALID_ROOM ack on every event',
    async (_l, payload) => {
      const { url } = await startTestServer({ eventBurst: 100 });
      const alice = await connect(url);
      await joinOk(alice, 'general');
      for (const event of eventsWithAck) {
        if (
          event === 'rooms:list' &&
          typeof payload === 'object' &&
          payload !== null &&
          !Array.isArray(payload)
        ) {
          continue; // any object is a valid rooms:list payload
        }
        const ack = (await emitRaw(alice, event, payload)) as {
          ok: boolean;
          error?: { code: string; message: string };
        };
        expect(ack.ok, `${event} accepted ${_l}`).toBe(false);
        expect([ErrorCode.BAD_REQUEST, ErrorCode.INVALID_ROOM]).toContain(ack.error?.code);
        expect(ack.error?.message.length).toBeLessThan(500);
      }
      expect(alice.connected).toBe(true);
      await expectServerHealthy(url);
    },
  );

  test('an event with no payload at all, only an ack, is a BAD_REQUEST', async () => {
    const { url } = await startTestServer();
    const alice = await connect(url);
    for (const event of eventsWithAck.filter((e) => e !== 'rooms:list')) {
      expect(await emitRaw(alice, event)).toMatchObject({
        ok: false,
        error: { code: ErrorCode.BAD_REQUEST },
      });
    }
  });

  test('extra arguments and extra fields are ignored', async () => {
    const { url } = await startTestServer();
    const alice = await connect(url);
    const ack = await emitRaw(alice, 'room:join', { room: 'general', extra: deep }, 'junk', 3);
    // The ack is the last argument; junk between payload and ack does not break it.
    expect(ack).toMatchObject({ ok: true, room: 'general' });
  });

  test('a client cannot choose its author, nor pass as a bot', async () => {
    const { url } = await startTestServer();
    const alice = await connect(url, { name: 'alice' });
    await joinOk(alice, 'general');
    const ack = await emitRaw(alice, 'message:send', {
      room: 'general',
      text: 'the build is green',
      clientId: 'c1',
      author: { name: 'ci-bot', bot: true },
    });
    const { member } = await identity(url, 'alice');
    expect((ack as { message: { author: object } }).message.author).toEqual(member);
  });

  test('an event without its ack is dropped: nothing is stored or broadcast', async () => {
    const { url } = await startTestServer();
    const alice = await connect(url, { name: 'alice' });
    const bob = await connect(url, { name: 'bob' });
    await joinOk(alice, 'general');
    await joinOk(bob, 'general');
    const bobGot = collect<Message>(bob, 'message');
    alice.emit(
      'message:send' as 'typing',
      { room: 'general', text: 'no ack', clientId: 'n1' } as never,
    );
    (alice as unknown as { emit: (e: string) => void }).emit('room:join');
    await roundTrip(alice);
    await roundTrip(bob);
    expect(bobGot).toEqual([]);
    expect((await joinOk(bob, 'general')).history).toEqual([]);
    expect(alice.connected).toBe(true);
  });

  test('unknown events get BAD_REQUEST when they carry an ack, and are ignored otherwise', async () => {
    const { url } = await startTestServer();
    const alice = await connect(url);
    expect(await emitRaw(alice, 'admin:shutdown', {})).toEqual({
      ok: false,
      error: { code: ErrorCode.BAD_REQUEST, message: 'unknown event' },
    });
    (alice as unknown as { emit: (e: string, p: unknown) => void }).emit('whatever', { x: 1 });
    await roundTrip(alice);
    expect(alice.connected).toBe(true);
  });
});

/** A raw Socket.IO-over-WebSocket client, for frames no well-behaved client would send. */
async function rawSocket(url: string): Promise<WebSocket> {
  const { token } = await identity(url, 'raw');
  const ws = new WebSocket(`${url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
  await new Promise<void>((resolve, reject) => {
    ws.once('error', reject);
    ws.on('message', (data) => {
      const text = (data as Buffer).toString();
      if (text.startsWith('0')) ws.send(`40${JSON.stringify({ session: token })}`);
      if (text.startsWith('40')) resolve();
    });
  });
  return ws;
}

/** The next frame the raw client receives that passes `test`. */
const nextFrame = (ws: WebSocket, test: (text: string) => boolean): Promise<string> =>
  new Promise((resolve) => {
    const listener = (data: Buffer) => {
      const text = data.toString();
      if (!test(text)) return;
      ws.off('message', listener);
      resolve(text);
    };
    ws.on('message', listener);
  });

describe('reserved event names and ack ids, over the wire', () => {
  test.each(RESERVED_EVENT_NAMES)(
    '"%s" is an unknown event: BAD_REQUEST with an ack, ignored without',
    async (name) => {
      const { url } = await startTestServer();
      const ws = await rawSocket(url);
      const answer = nextFrame(ws, (t) => t.startsWith('437['));
      ws.send(`427${JSON.stringify([name, {}])}`);
      expect(JSON.parse((await answer).slice(3))).toEqual([
        { ok: false, error: { code: ErrorCode.BAD_REQUEST, message: 'unknown event' } },
      ]);
      // Without an ack it is ignored, and the connection still answers what follows.
      ws.send(`42${JSON.stringify([name, 'x'])}`);
      const listed = nextFrame(ws, (t) => t.startsWith('438['));
      ws.send('428["rooms:list",{}]');
      expect(JSON.parse((await listed).slice(3))).toMatchObject([{ ok: true }]);
      expect(ws.readyState).toBe(WebSocket.OPEN);
    },
  );

  test('the largest ack id, 2^53 - 1, comes back unchanged', async () => {
    const { url } = await startTestServer();
    const ws = await rawSocket(url);
    const answer = nextFrame(ws, (t) => t.startsWith('43'));
    ws.send('429007199254740991["rooms:list",{}]');
    expect(await answer).toMatch(/^439007199254740991\[\{"ok":true/);
  });
});

describe('garbage frames', () => {
  test.each([
    ['an unterminated event', '42["message:send",'],
    ['an unknown packet type', '49garbage'],
    ['an ack id past 2^53 - 1', '429007199254740992["rooms:list",{}]'],
    ['a non-array event', '42{"room":"general"}'],
    ['binary noise', Buffer.from([0xff, 0x00, 0xfe, 0x13])],
  ])('%s closes only that connection', async (_label, frame) => {
    const { url } = await startTestServer();
    const bystander = await connect(url, { name: 'bystander' });
    const ws = await rawSocket(url);
    const closed = new Promise<void>((resolve) => {
      ws.once('close', () => {
        resolve();
      });
    });
    ws.send(frame);
    await closed;
    expect(bystander.connected).toBe(true);
    await expectServerHealthy(url);
  });
});

describe.each<Transport>(['websocket', 'polling'])('an oversize frame over %s', (transport) => {
  test('closes that connection and nobody else is affected', async () => {
    const { url } = await startTestServer();
    const big = await connect(url, { name: 'big', transports: [transport] });
    const bob = await connect(url, { name: 'bob', transports: ['polling'] });
    await joinOk(big, 'general');
    await joinOk(bob, 'general');
    const disconnected = waitFor<string>(big, 'disconnect');
    const left = waitFor<PresenceEvent>(bob, 'presence', (e) => e.action === 'leave');
    big.emit(
      'message:send',
      { room: 'general', text: 'x'.repeat(70 * 1024), clientId: 'big' },
      () => undefined,
    );
    expect(['transport close', 'transport error']).toContain(await disconnected);
    expect(await left).toMatchObject({ member: { name: 'big' }, count: 1 });
    expect(bob.connected).toBe(true);
    expect((await joinOk(bob, 'general')).history).toEqual([]);
    await expectServerHealthy(url);
  });
});

describe('rate limits', () => {
  test('sending faster than the limit gets RATE_LIMITED, then the rate recovers', async () => {
    let now = 1_000_000;
    const { url } = await startTestServer(
      { messageRatePerSec: 5, messageBurst: 10 },
      { now: () => now },
    );
    const alice = await connect(url);
    await joinOk(alice, 'general');
    const acks = await Promise.all(
      Array.from({ length: 15 }, (_, i) => send(alice, 'general', `m${i}`)),
    );
    expect(acks.filter((a) => a.ok)).toHaveLength(10);
    for (const ack of acks.filter((a) => !a.ok)) {
      expect(ack).toMatchObject({ ok: false, error: { code: ErrorCode.RATE_LIMITED } });
    }
    expect(alice.connected).toBe(true);
    // Tokens come back at 5 per second.
    now += 400;
    const later = await Promise.all([0, 1, 2].map((i) => send(alice, 'general', `later${i}`)));
    expect(later.map((a) => a.ok)).toEqual([true, true, false]);
  });

  test('a client that keeps flooding is disconnected; others are unaffected', async () => {
    const { url } = await startTestServer({
      messageRatePerSec: 5,
      messageBurst: 10,
      floodStrikes: 5,
      floodWindowMs: 10_000,
      // Every client here shares one address; the penalty has a test of its own below.
      floodPenaltyMs: 0,
    });
    const flooder = await connect(url, { name: 'flooder' });
    const bob = await connect(url, { name: 'bob' });
    await joinOk(flooder, 'general');
    await joinOk(bob, 'general');
    const kicked = waitFor<string>(flooder, 'disconnect');
    const results = await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) => send(flooder, 'general', `spam${i}`)),
    );
    expect(await kicked).toBe('io server disconnect');
    const acks = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    expect(acks.filter((a) => a.ok)).toHaveLength(10);
    // Exactly FLOOD_STRIKES refusals, then the disconnect: what came after is not answered.
    expect(acks.filter((a) => !a.ok && a.error.code === ErrorCode.RATE_LIMITED)).toHaveLength(5);
    expect(acks).toHaveLength(15);
    expect(bob.connected).toBe(true);
    const bobJoined = await joinOk(bob, 'general');
    expect(bobJoined.members.map((m) => m.name)).toEqual(['bob']);
    await expectServerHealthy(url);
  });

  test('60 requests in one burst past the event limit: 30 refusals (FLOOD_STRIKES), then the disconnect', async () => {
    const now = Date.now();
    // The clock stands still, so no token comes back however slowly the burst is read.
    const { url } = await startTestServer(
      {
        eventRatePerSec: 1,
        eventBurst: 10,
        floodStrikes: 30,
        floodWindowMs: 10_000,
        floodPenaltyMs: 0,
      },
      { now: () => now },
    );
    const flooder = await connect(url, { name: 'flooder' });
    await joinOk(flooder, 'general');
    const kicked = waitFor<string>(flooder, 'disconnect');
    // The join took one token: nine sends run, then every event is refused until the cut.
    const results = await Promise.allSettled(
      Array.from({ length: 60 }, (_, i) => send(flooder, 'general', `burst${i}`)),
    );
    expect(await kicked).toBe('io server disconnect');
    const acks = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    expect(acks.filter((a) => a.ok)).toHaveLength(9);
    expect(acks.filter((a) => !a.ok && a.error.code === ErrorCode.RATE_LIMITED)).toHaveLength(30);
    expect(acks).toHaveLength(39);
  });

  test('the message allowance follows the user across reconnections', async () => {
    const now = Date.now();
    // The clock stands still: nothing refills, so only the burst is ever allowed.
    const { url } = await startTestServer(
      { messageRatePerSec: 5, messageBurst: 10, floodStrikes: 1000 },
      { now: () => now },
    );
    const stored: boolean[] = [];
    for (let connection = 0; connection < 4; connection++) {
      const socket = await connect(url, { name: 'hopper' });
      await joinOk(socket, 'general');
      for (let i = 0; i < 5; i++) stored.push((await send(socket, 'general', `m${i}`)).ok);
      socket.disconnect();
    }
    expect(stored.filter(Boolean)).toHaveLength(10);
    // Someone else still has their own allowance.
    const bob = await connect(url, { name: 'bob' });
    await joinOk(bob, 'general');
    expect((await send(bob, 'general', 'hi')).ok).toBe(true);
  });

  test('after a flood disconnect the user and the address wait FLOOD_PENALTY_MS; one log line', async () => {
    let now = Date.now();
    const lines: { msg?: string; level?: number }[] = [];
    const logger = pino(
      { level: 'debug' },
      new Writable({
        write(chunk: Buffer, _enc, done) {
          lines.push(JSON.parse(chunk.toString()) as { msg?: string });
          done();
        },
      }),
    );
    const { url } = await startTestServer(
      { messageRatePerSec: 5, messageBurst: 10, floodStrikes: 5, floodPenaltyMs: 30_000 },
      { now: () => now, logger },
    );
    const flooder = await connect(url, { name: 'flooder' });
    await joinOk(flooder, 'general');
    const kicked = waitFor<string>(flooder, 'disconnect');
    await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) => send(flooder, 'general', `spam${i}`)),
    );
    expect(await kicked).toBe('io server disconnect');

    // Reconnecting at once, as the same user or as another from the same address, is refused.
    for (const name of ['flooder', 'accomplice']) {
      const again = createClient(url, { name });
      const err = await waitFor<Error & { data?: { code?: string } }>(again, 'connect_error');
      expect(err.data?.code, name).toBe(ErrorCode.RATE_LIMITED);
      expect(err.message).toMatch(/try again in 30 s/);
    }
    now += 30_000;
    expect((await connect(url, { name: 'flooder' })).connected).toBe(true);
    const warnings = lines.filter((l) => l.msg === 'flooding; disconnected');
    expect(warnings).toHaveLength(1);
  });

  test('any event counts against the event limit, typing included', async () => {
    const { url } = await startTestServer({
      eventRatePerSec: 10,
      eventBurst: 20,
      floodStrikes: 1000,
    });
    const alice = await connect(url);
    await joinOk(alice, 'general');
    const acks = (await Promise.all(
      Array.from({ length: 40 }, () => emitRaw(alice, 'typing', { room: 'general', typing: true })),
    )) as { ok: boolean; error?: { code: string } }[];
    expect(acks.filter((a) => a.ok).length).toBeLessThanOrEqual(20);
    expect(
      acks.filter((a) => a.error?.code === ErrorCode.RATE_LIMITED).length,
    ).toBeGreaterThanOrEqual(19);
  });
});

function failingStore(error: () => Error): HistoryStore {
  const real = createMemoryHistoryStore({ limit: 100, dedupTtlMs: 60_000 });
  return {
    ...real,
    append: () => {
      throw error(); // synchronously, the rudest way a dependency can fail
    },
    before: () => Promise.reject(error()),
  };
}

describe('unexpected errors', () => {
  test('reach the client only as INTERNAL, without detail, and are logged with it', async () => {
    const lines: string[] = [];
    const logStream = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const secret = 'Error: db password=hunter2 at /srv/secret.js:12:3';
    const { url } = await startTestServer(
      {},
      {
        history: failingStore(() => new Error(secret)),
        logger: pino({ level: 'error' }, logStream),
      },
    );
    const alice = await connect(url);
    await joinOk(alice, 'general');
    const ack = await send(alice, 'general', 'hello');
    expect(ack).toEqual({
      ok: false,
      error: { code: ErrorCode.INTERNAL, message: 'the server failed to handle this request' },
    });
    expect(JSON.stringify(ack)).not.toContain('hunter2');
    const fetched = await emitRaw(alice, 'history:fetch', { room: 'general', before: '1-0' });
    expect(fetched).toMatchObject({ ok: false, error: { code: ErrorCode.INTERNAL } });
    const logged = lines.map(
      (l) => JSON.parse(l) as { msg: string; err?: { message: string; stack: string } },
    );
    expect(
      logged.some((l) => l.msg === 'request failed' && l.err?.message.includes('hunter2')),
    ).toBe(true);
    expect(alice.connected).toBe(true);
  });

  test('an unavailable store is UNAVAILABLE, which clients may retry', async () => {
    const { url } = await startTestServer(
      {},
      { history: failingStore(() => new StoreUnavailableError(new Error('ECONNREFUSED'))) },
    );
    const alice = await connect(url);
    await joinOk(alice, 'general');
    expect(await send(alice, 'general', 'hello')).toMatchObject({
      ok: false,
      error: { code: ErrorCode.UNAVAILABLE },
    });
  });
});
