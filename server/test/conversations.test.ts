import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  ErrorCode,
  type MentionEvent,
  type Message,
  type ReadResult,
} from '../../common/contract.js';
import { apiRequest, signUp, type SignedIn } from './support/accounts.js';
import {
  collect,
  connect,
  emitRaw,
  joinOk,
  request,
  roundTrip,
  sendOk,
  waitFor,
  type ChatClient,
} from './support/client.js';
import { startNodes } from './support/cluster.js';
import { RedisProcess } from './support/redis.js';
import { startTestServer } from './support/server.js';

const open = (s: ChatClient, users: string[]) => request(s, 'dm:open', { users });
const as = (url: string, who: SignedIn, transport: 'websocket' | 'polling' = 'websocket') =>
  connect(url, { session: who.token, transports: [transport] });

async function people(url: string, ...names: string[]): Promise<SignedIn[]> {
  return Promise.all(names.map((n) => signUp(url, n)));
}

describe('dm:open', () => {
  test('the same people get the same conversation, whoever opens it; bad requests are refused', async () => {
    const { url } = await startTestServer({ scryptCost: 10 });
    const [ann, ben, cy] = (await people(url, 'ann', 'ben', 'cyd')) as [
      SignedIn,
      SignedIn,
      SignedIn,
    ];
    const a = await as(url, ann);
    const b = await as(url, ben);
    const byAnn = await open(a, [ben.user.id, cy.user.id]);
    const byBen = await open(b, [cy.user.id, ann.user.id, ann.user.id]);
    if (!byAnn.ok || !byBen.ok) throw new Error('not opened');
    expect(byBen.room).toBe(byAnn.room);
    expect(byAnn.participants.map((p) => p.name)).toEqual(['ann', 'ben', 'cyd']);
    // Two of the three are another conversation.
    const pair = await open(a, [ben.user.id]);
    expect(pair.ok && pair.room).not.toBe(byAnn.room);
    for (const [users, code] of [
      [[ann.user.id], ErrorCode.BAD_REQUEST],
      [['no-such-user'], ErrorCode.NOT_FOUND],
      [Array.from({ length: 8 }, (_, i) => `u${i}`), ErrorCode.BAD_REQUEST],
    ] as const) {
      const ack = await open(a, [...users]);
      expect(ack.ok ? 'ok' : ack.error.code).toBe(code);
    }
    expect(await emitRaw(a, 'dm:open', { users: 'ben' })).toMatchObject({
      ok: false,
      error: { code: ErrorCode.BAD_REQUEST },
    });
    // Conversations are never listed in the room directory.
    await joinOk(a, byAnn.room);
    await sendOk(a, byAnn.room, 'private');
    const list = await request(b, 'rooms:list', {});
    expect(list.ok && list.rooms.map((r) => r.name)).not.toContain(byAnn.room);
  });
});

describe('a direct conversation across two nodes', () => {
  const redis = new RedisProcess();
  beforeAll(() => redis.start());
  afterAll(() => redis.stop());

  test('only participants join or read it, on every node and through the push API; a message reaches each of their tabs unopened', async () => {
    const [n1, n2] = await startNodes(2, redis.url, { scryptCost: 10, pushToken: 'push-secret' });
    if (!n1 || !n2) throw new Error('nodes did not start');
    const [ann, ben, eve] = (await people(n1.url, 'ann', 'ben', 'eve')) as [
      SignedIn,
      SignedIn,
      SignedIn,
    ];
    const a = await as(n1.url, ann);
    const benLaptop = await as(n2.url, ben, 'polling');
    const benPhone = await as(n1.url, ben);
    const e = await as(n2.url, eve);
    const opened = await open(a, [ben.user.id]);
    if (!opened.ok) throw new Error('not opened');
    const { room } = opened;
    await joinOk(a, room);

    const laptopGot = waitFor<Message>(benLaptop, 'message');
    const phoneGot = waitFor<Message>(benPhone, 'message');
    const eveGot = collect<Message>(e, 'message');
    const hello = await sendOk(a, room, 'hello ben');
    expect(await laptopGot).toMatchObject({ id: hello.id, room, text: 'hello ben' });
    expect(await phoneGot).toMatchObject({ id: hello.id, room });

    // Eve, on either node, cannot get in or read it.
    for (const eveOn of [e, await as(n1.url, eve)]) {
      expect(await request(eveOn, 'room:join', { room })).toMatchObject({
        ok: false,
        error: { code: ErrorCode.NOT_ALLOWED },
      });
      expect(
        await request(eveOn, 'history:fetch', { room, before: '99999999999999-0' }),
      ).toMatchObject({ ok: false, error: { code: ErrorCode.NOT_ALLOWED } });
    }
    for (const [method, body] of [
      ['GET', undefined],
      ['POST', { text: 'bot in a dm' }],
    ] as const) {
      const res = await apiRequest(n2.url, method, `/api/rooms/${room}/messages`, body, {
        authorization: 'Bearer push-secret',
      });
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ error: { code: ErrorCode.NOT_ALLOWED } });
    }
    await roundTrip(e);
    expect(eveGot).toEqual([]);

    // Ben joins from his laptop and answers; his edit reaches Ann's tab through the other node.
    await joinOk(benLaptop, room);
    const annGot = waitFor<Message>(a, 'message:updated');
    const reply = await sendOk(benLaptop, room, 'hi ann');
    const edited = await request(benLaptop, 'message:edit', { room, id: reply.id, text: 'hi Ann' });
    expect(edited.ok).toBe(true);
    expect(await annGot).toMatchObject({ id: reply.id, text: 'hi Ann' });
  });
});

describe('mentions', () => {
  test('@username names an account: every tab of that user hears of it, in the room or not', async () => {
    const { url } = await startTestServer({ scryptCost: 10 });
    const [ann, ben] = (await people(url, 'ann', 'ben')) as [SignedIn, SignedIn];
    const a = await as(url, ann);
    await joinOk(a, 'general');
    const benTab = await as(url, ben); // in no room at all
    const benOther = await as(url, ben, 'polling');
    const first = waitFor<MentionEvent>(benTab, 'mention');
    const second = waitFor<MentionEvent>(benOther, 'mention');
    const m = await sendOk(a, 'general', 'ping @Ben and @ann and @nobody, mail ann@ben.io');
    expect(m.mentions).toEqual([{ id: ben.user.id, name: 'ben', username: 'ben' }]);
    expect((await first).message).toEqual(m);
    expect((await second).message.id).toBe(m.id);
    const annMentions = collect<MentionEvent>(a, 'mention');
    await roundTrip(a);
    expect(annMentions).toEqual([]);
  });
});

describe('read state', () => {
  test('room:read moves the marker, tells the user’s other tabs, and counts come from the server', async () => {
    const { url } = await startTestServer({ scryptCost: 10 });
    const [ann, ben] = (await people(url, 'ann', 'ben')) as [SignedIn, SignedIn];
    const a = await as(url, ann);
    const b1 = await as(url, ben);
    const b2 = await as(url, ben, 'polling');
    for (const s of [a, b1, b2]) await joinOk(s, 'general');
    const first = await sendOk(a, 'general', 'one');
    await sendOk(a, 'general', 'two, @ben');
    const third = await sendOk(a, 'general', 'three');

    const told = waitFor<ReadResult>(b2, 'room:read');
    const read = await request(b1, 'room:read', { room: 'general', id: first.id });
    expect(read).toEqual({ ok: true, room: 'general', id: first.id });
    expect(await told).toEqual({ room: 'general', id: first.id });
    // A marker never moves back.
    expect(await request(b2, 'room:read', { room: 'general', id: '1-0' })).toEqual({
      ok: true,
      room: 'general',
      id: first.id,
    });
    // A fresh device asks on connecting and gets the same numbers.
    const phone = await as(url, ben);
    const state = await request(phone, 'rooms:state', {});
    expect(state.ok && state.rooms).toEqual([
      { room: 'general', unread: 2, mentions: 1, read: first.id },
    ]);
    await request(b1, 'room:read', { room: 'general', id: third.id });
    const after = await request(phone, 'rooms:state', {});
    expect(after.ok && after.rooms).toEqual([
      { room: 'general', unread: 0, mentions: 0, read: third.id },
    ]);
    for (const [payload, code] of [
      [{ room: 'general', id: 'garbage' }, ErrorCode.BAD_REQUEST],
      [{ room: 'elsewhere', id: first.id }, ErrorCode.NOT_IN_ROOM],
    ] as const) {
      expect(await emitRaw(b1, 'room:read', payload)).toMatchObject({
        ok: false,
        error: { code },
      });
    }
  });

  test('rooms:read-all marks every room and conversation read for the user alone, and tells their other tabs', async () => {
    const { url } = await startTestServer({ scryptCost: 10 });
    const [ann, ben, cyd] = (await people(url, 'ann', 'ben', 'cyd')) as [
      SignedIn,
      SignedIn,
      SignedIn,
    ];
    const a = await as(url, ann);
    const b1 = await as(url, ben);
    const b2 = await as(url, ben, 'polling');
    const c = await as(url, cyd);
    for (const s of [a, b1, b2, c]) await joinOk(s, 'general');
    for (const s of [a, b1]) await joinOk(s, 'random');
    await sendOk(a, 'general', 'one, @ben');
    const inGeneral = await sendOk(a, 'general', 'two');
    const inRandom = await sendOk(a, 'random', 'three');
    const dm = await open(a, [ben.user.id]);
    if (!dm.ok) throw new Error('not opened');
    await joinOk(a, dm.room);
    const inDm = await sendOk(a, dm.room, 'psst');

    const told = collect<ReadResult>(b2, 'room:read');
    const all = await request(b1, 'rooms:read-all', {});
    if (!all.ok) throw new Error('refused');
    // The conversation counts though no connection of ben's has opened it.
    expect(new Map(all.rooms.map((r) => [r.room, r.id]))).toEqual(
      new Map([
        ['general', inGeneral.id],
        ['random', inRandom.id],
        [dm.room, inDm.id],
      ]),
    );
    await roundTrip(b2);
    expect(new Set(told.map((r) => r.room))).toEqual(new Set(['general', 'random', dm.room]));
    const state = await request(b2, 'rooms:state', {});
    expect(state.ok && state.rooms.map((r) => [r.room, r.unread, r.mentions])).toEqual(
      expect.arrayContaining([
        ['general', 0, 0],
        ['random', 0, 0],
        [dm.room, 0, 0],
      ]),
    );
    // Nobody else's counts move: cyd still has both messages of #general unread.
    await request(c, 'room:read', { room: 'general', id: '1-0' });
    const theirs = await request(c, 'rooms:state', {});
    expect(theirs.ok && theirs.rooms).toEqual([
      { room: 'general', unread: 2, mentions: 0, read: '1-0' },
    ]);
    expect(await emitRaw(b1, 'rooms:read-all', 'everything')).toMatchObject({
      ok: false,
      error: { code: ErrorCode.BAD_REQUEST },
    });
  });

  test('a conversation never opened counts everything in it as unread, with its participants', async () => {
    const { url } = await startTestServer({ scryptCost: 10 });
    const [ann, ben] = (await people(url, 'ann', 'ben')) as [SignedIn, SignedIn];
    const a = await as(url, ann);
    const opened = await open(a, [ben.user.id]);
    if (!opened.ok) throw new Error('not opened');
    await joinOk(a, opened.room);
    await sendOk(a, opened.room, 'are you there?');
    await sendOk(a, opened.room, '@ben?');
    const b = await as(url, ben);
    const state = await request(b, 'rooms:state', {});
    expect(state.ok && state.rooms).toEqual([
      {
        room: opened.room,
        unread: 2,
        mentions: 1,
        participants: [
          { id: ann.user.id, name: 'ann', username: 'ann' },
          { id: ben.user.id, name: 'ben', username: 'ben' },
        ],
      },
    ]);
  });
});
