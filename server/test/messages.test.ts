import { describe, expect, test } from 'vitest';
import { ErrorCode, type Message } from '../../common/contract.js';
import {
  asStored,
  collect,
  connect,
  emitRaw,
  joinOk,
  request,
  roundTrip,
  send,
  sendOk,
  waitFor,
  type ChatClient,
  type Transport,
} from './support/client.js';
import { apiRequest, signInGuest } from './support/accounts.js';
import { startTestServer } from './support/server.js';

const fetchHistory = (socket: ChatClient, room: string, before: string, limit?: number) =>
  request(
    socket,
    'history:fetch',
    limit === undefined ? { room, before } : { room, before, limit },
  );

describe('message:send', () => {
  test('stores, acks with the message and broadcasts to the others only', async () => {
    const { url } = await startTestServer();
    const alice = await connect(url, { name: 'alice' });
    const bob = await connect(url, { name: 'bob' });
    const carol = await connect(url, { name: 'carol' });
    for (const s of [alice, bob, carol]) await joinOk(s, 'general');
    const aliceGot = collect<Message>(alice, 'message');
    const bobGot = waitFor<Message>(bob, 'message');
    const carolGot = waitFor<Message>(carol, 'message');

    const before = Date.now();
    const ack = await send(alice, 'general', '  hello there  ');
    expect(ack.ok).toBe(true);
    if (!ack.ok) return;
    expect(ack.message).toMatchObject({
      room: 'general',
      author: { name: 'alice' },
      text: 'hello there',
    });
    expect(ack.message.ts).toBeGreaterThanOrEqual(before - 1000);
    expect(await bobGot).toEqual(ack.message);
    expect(await carolGot).toEqual(ack.message);
    await roundTrip(alice);
    expect(aliceGot).toEqual([]);
  });

  test('messages are not delivered to other rooms', async () => {
    const { url } = await startTestServer();
    const alice = await connect(url, { name: 'alice' });
    const bob = await connect(url, { name: 'bob' });
    await joinOk(alice, 'one');
    await joinOk(alice, 'two');
    await joinOk(bob, 'two');
    const bobGot = collect<Message>(bob, 'message');
    const received = waitFor<Message>(bob, 'message', (m) => m.text === 'for room two');
    await sendOk(alice, 'one', 'for room one');
    await sendOk(alice, 'two', 'for room two');
    await received;
    await roundTrip(bob);
    expect(bobGot.map((m) => m.text)).toEqual(['for room two']);
  });

  test('a retry with the same clientId returns the stored message and is not re-broadcast', async () => {
    const { url } = await startTestServer();
    const alice = await connect(url, { name: 'alice' });
    const bob = await connect(url, { name: 'bob' });
    await joinOk(alice, 'general');
    await joinOk(bob, 'general');
    const bobGot = collect<Message>(bob, 'message');
    const first = await send(alice, 'general', 'only once', 'retry-1');
    const second = await send(alice, 'general', 'only once', 'retry-1');
    expect(second).toEqual(first);
    const markerSeen = waitFor<Message>(bob, 'message', (m) => m.text === 'marker');
    await sendOk(alice, 'general', 'marker');
    await markerSeen;
    expect(bobGot.map((m) => m.text)).toEqual(['only once', 'marker']);
    const history = await joinOk(bob, 'general');
    expect(history.history.filter((m) => m.text === 'only once')).toHaveLength(1);
  });

  test('a retry from a new connection is stored once but broadcast again, with the same id', async () => {
    const { url } = await startTestServer();
    const bob = await connect(url, { name: 'bob' });
    await joinOk(bob, 'general');
    const bobGot = collect<Message>(bob, 'message');
    const first = await connect(url, { name: 'alice' });
    await joinOk(first, 'general');
    const original = await send(first, 'general', 'sent before a reconnect', 'persisted-id');
    if (!original.ok) throw new Error('first send failed');
    first.disconnect();
    const again = await connect(url, { name: 'alice', transports: ['polling'] });
    await joinOk(again, 'general');
    const retry = await send(again, 'general', 'sent before a reconnect', 'persisted-id');
    expect(retry).toEqual(original);
    // The node that stored it might have died before broadcasting, so it goes out again;
    // clients dedupe by id and show it once. It is stored once.
    await roundTrip(bob);
    expect(bobGot).toEqual([original.message, original.message]);
    expect((await joinOk(bob, 'general')).history).toEqual([original.message]);
  });

  test('a clientId is matched by the author’s id: a retry after a rename is stored once, and two guests of one name do not share it', async () => {
    const { url } = await startTestServer();
    // A guest sends, is renamed, reconnects and retries: one message, under its first name.
    const sam = await signInGuest(url, 'sam');
    const before = await connect(url, { session: sam.token });
    await joinOk(before, 'general');
    const original = await send(before, 'general', 'sent before a rename', 'kept-key');
    if (!original.ok) throw new Error('first send failed');
    before.disconnect();
    const renamed = await apiRequest(
      url,
      'PATCH',
      '/api/auth/me',
      { name: 'samuel' },
      {
        cookie: sam.cookie,
      },
    );
    expect(renamed.status).toBe(200);
    const after = await connect(url, { session: sam.token });
    await joinOk(after, 'general');
    expect(await send(after, 'general', 'sent before a rename', 'kept-key')).toEqual(original);
    after.disconnect();

    // Another guest takes the free name "samuel" and sends with the same clientId: a message of
    // its own, not the first guest's back.
    const other = await signInGuest(url, 'samuel');
    expect(other.member.id).not.toBe(sam.member.id);
    const second = await connect(url, { session: other.token });
    await joinOk(second, 'general');
    const theirs = await send(second, 'general', 'a different message', 'kept-key');
    if (!theirs.ok) throw new Error('second send failed');
    expect(theirs.message.id).not.toBe(original.message.id);
    expect(theirs.message).toMatchObject({
      author: { id: other.member.id },
      text: 'a different message',
    });
    const history = (await joinOk(second, 'general')).history;
    expect(history.map((m) => m.text)).toEqual(['sent before a rename', 'a different message']);
  });

  test.each([
    ['empty', '', ErrorCode.EMPTY_TEXT],
    ['blank', ' \n\t ', ErrorCode.EMPTY_TEXT],
    ['too long', 'x'.repeat(2001), ErrorCode.TEXT_TOO_LONG],
  ])('%s text is refused', async (_label, text, code) => {
    const { url } = await startTestServer();
    const alice = await connect(url);
    await joinOk(alice, 'general');
    expect(await send(alice, 'general', text)).toMatchObject({ ok: false, error: { code } });
  });

  test('2000 characters is the longest text, counted in characters not UTF-16 units', async () => {
    const { url } = await startTestServer();
    const alice = await connect(url);
    await joinOk(alice, 'general');
    expect((await send(alice, 'general', 'x'.repeat(2000))).ok).toBe(true);
    // 2000 emoji are 4000 UTF-16 units but 2000 characters.
    expect((await send(alice, 'general', '😀'.repeat(2000))).ok).toBe(true);
    expect(await send(alice, 'general', '😀'.repeat(2001))).toMatchObject({
      ok: false,
      error: { code: ErrorCode.TEXT_TOO_LONG },
    });
  });

  test('MAX_TEXT_LENGTH sets the limit', async () => {
    const { url } = await startTestServer({ maxTextLength: 10 });
    const alice = await connect(url);
    await joinOk(alice, 'general');
    expect((await send(alice, 'general', '0123456789')).ok).toBe(true);
    expect(await send(alice, 'general', '01234567890')).toMatchObject({
      ok: false,
      error: { code: ErrorCode.TEXT_TOO_LONG },
    });
  });

  test('the sender must be in the room', async () => {
    const { url } = await startTestServer();
    const alice = await connect(url);
    expect(await send(alice, 'general', 'hi')).toMatchObject({
      ok: false,
      error: { code: ErrorCode.NOT_IN_ROOM },
    });
    expect(await send(alice, 'Bad Room', 'hi')).toMatchObject({
      ok: false,
      error: { code: ErrorCode.INVALID_ROOM },
    });
  });

  test.each(['', 'has space', 'x'.repeat(65), 42, null])(
    'clientId %j is refused with BAD_REQUEST',
    async (clientId) => {
      const { url } = await startTestServer();
      const alice = await connect(url);
      await joinOk(alice, 'general');
      expect(
        await emitRaw(alice, 'message:send', { room: 'general', text: 'x', clientId }),
      ).toMatchObject({
        ok: false,
        error: { code: ErrorCode.BAD_REQUEST },
      });
    },
  );
});

describe('history', () => {
  test('a new joiner gets the newest HISTORY_PAGE messages, oldest first', async () => {
    const { url } = await startTestServer({ historyPage: 5 });
    const alice = await connect(url, { name: 'alice' });
    await joinOk(alice, 'general');
    const sent: Message[] = [];
    for (let i = 0; i < 8; i++) sent.push(await sendOk(alice, 'general', `m${i}`));
    const bob = await connect(url, { name: 'bob' });
    const ack = await joinOk(bob, 'general');
    expect(ack.history).toEqual(sent.slice(3));
    expect(ack.hasMore).toBe(true);
    expect(ack.gap).toBe(false);
  });

  test('history:fetch loads earlier pages until there are no more', async () => {
    const { url } = await startTestServer({ historyPage: 4 });
    const alice = await connect(url);
    await joinOk(alice, 'general');
    const sent: Message[] = [];
    for (let i = 0; i < 10; i++) sent.push(await sendOk(alice, 'general', `m${i}`));
    const joined = await joinOk(alice, 'general');
    expect(joined.history).toEqual(sent.slice(6));
    const page1 = await fetchHistory(alice, 'general', joined.history[0]?.id ?? '');
    expect(page1).toEqual({ ok: true, messages: sent.slice(2, 6), hasMore: true });
    const page2 = await fetchHistory(alice, 'general', sent[2]?.id ?? '', 100);
    expect(page2).toEqual({ ok: true, messages: sent.slice(0, 2), hasMore: false });
  });

  test('history:fetch checks its payload and membership', async () => {
    const { url } = await startTestServer();
    const alice = await connect(url);
    await joinOk(alice, 'general');
    const msg = await sendOk(alice, 'general', 'x');
    const bad = { ok: false, error: { code: ErrorCode.BAD_REQUEST } };
    expect(
      await emitRaw(alice, 'history:fetch', { room: 'general', before: msg.id, limit: 0 }),
    ).toMatchObject(bad);
    expect(
      await emitRaw(alice, 'history:fetch', { room: 'general', before: msg.id, limit: 101 }),
    ).toMatchObject(bad);
    expect(
      await emitRaw(alice, 'history:fetch', { room: 'general', before: 'nonsense' }),
    ).toMatchObject(bad);
    expect(await emitRaw(alice, 'history:fetch', { room: 'general' })).toMatchObject(bad);
    expect(await fetchHistory(alice, 'elsewhere', msg.id)).toMatchObject({
      ok: false,
      error: { code: ErrorCode.NOT_IN_ROOM },
    });
  });

  test('join with since replays every message after it, in order, without a gap', async () => {
    const { url } = await startTestServer({ historyPage: 3 });
    const alice = await connect(url);
    await joinOk(alice, 'general');
    const sent: Message[] = [];
    for (let i = 0; i < 10; i++) sent.push(await sendOk(alice, 'general', `m${i}`));
    const bob = await connect(url, { name: 'bob' });
    const ack = await joinOk(bob, 'general', sent[1]?.id);
    // More than one page: `since` replays everything missed, not just the newest page.
    expect(ack.history).toEqual(sent.slice(2));
    expect(ack.gap).toBe(false);
    const upToDate = await joinOk(bob, 'other-room');
    expect(upToDate.gap).toBe(false);
    const none = await joinOk(bob, 'general', sent[9]?.id);
    expect(none.history).toEqual([]);
    expect(none.gap).toBe(false);
  });

  test('join with since flags lost continuity when history was trimmed past it', async () => {
    const { url } = await startTestServer({ historyLimit: 5, historyPage: 3, messageBurst: 20 });
    const alice = await connect(url);
    await joinOk(alice, 'general');
    const sent: Message[] = [];
    for (let i = 0; i < 12; i++) sent.push(await sendOk(alice, 'general', `m${i}`));
    const bob = await connect(url, { name: 'bob' });
    const ack = await joinOk(bob, 'general', sent[2]?.id);
    expect(ack.gap).toBe(true);
    expect(ack.gapReason).toBe('trimmed');
    expect(ack.history).toEqual(sent.slice(9));
    expect(ack.hasMore).toBe(true);
    // An id the server never issued (say, from before a restart) is a gap too.
    const unknown = await joinOk(bob, 'general', '99999999999999-0');
    expect(unknown).toMatchObject({ gap: true, gapReason: 'unknown' });
  });
});

describe.each<[Transport, Transport]>([
  ['polling', 'websocket'],
  ['websocket', 'polling'],
  ['polling', 'polling'],
])('a %s client and a %s client', (first, second) => {
  test('chat both ways, every message once and in order', async () => {
    const { url } = await startTestServer({ messageBurst: 100, messageRatePerSec: 100 });
    const a = await connect(url, { name: 'a', transports: [first] });
    const b = await connect(url, { name: 'b', transports: [second] });
    await joinOk(a, 'general');
    await joinOk(b, 'general');
    const aGot = collect<Message>(a, 'message');
    const bGot = collect<Message>(b, 'message');
    const fromA: Message[] = [];
    const fromB: Message[] = [];
    for (let i = 0; i < 20; i++) {
      fromA.push(await sendOk(a, 'general', `a${i}`));
      fromB.push(await sendOk(b, 'general', `b${i}`));
    }
    const lastA = fromA[fromA.length - 1];
    const lastB = fromB[fromB.length - 1];
    if (!bGot.some((m) => m.id === lastA?.id)) {
      await waitFor<Message>(b, 'message', (m) => m.id === lastA?.id);
    }
    if (!aGot.some((m) => m.id === lastB?.id)) {
      await waitFor<Message>(a, 'message', (m) => m.id === lastB?.id);
    }
    expect(bGot.map(asStored)).toEqual(fromA);
    expect(aGot.map(asStored)).toEqual(fromB);
    // Each names the message stored before it in the room: they alternate a0 b0 a1 b1 …
    expect(bGot.map((m) => m.prev)).toEqual([undefined, ...fromB.slice(0, -1).map((m) => m.id)]);
    expect(aGot.map((m) => m.prev)).toEqual(fromA.map((m) => m.id));
  });
});
