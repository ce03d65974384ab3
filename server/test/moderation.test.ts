import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  ErrorCode,
  type Message,
  type ModerationEvent,
  type PresenceEvent,
  type RemovedEvent,
} from '../../common/contract.js';
import { apiRequest, signUp, TEST_PASSWORD, type SignedIn } from './support/accounts.js';
import {
  connect,
  emitRaw,
  joinOk,
  request,
  sendOk,
  waitFor,
  type ChatClient,
} from './support/client.js';
import { newDeployment, startNode } from './support/cluster.js';
import { RedisProcess } from './support/redis.js';
import { startTestServer } from './support/server.js';

/** A clock the test moves by hand. */
function clock(start = 1_800_000_000_000) {
  let t = start;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

const as = (url: string, who: SignedIn, transport: 'websocket' | 'polling' = 'websocket') =>
  connect(url, { session: who.token, transports: [transport] });

const code = (ack: { ok: boolean; error?: { code: string } }) =>
  ack.ok ? 'ok' : (ack.error?.code ?? '');

async function server(overrides = {}, now?: () => number) {
  const { url } = await startTestServer({ scryptCost: 10, ...overrides }, now ? { now } : {});
  const named = async (name: string, transport?: 'websocket' | 'polling', displayName?: string) => {
    const who = await signUp(url, name, displayName);
    return { who, socket: await as(url, who, transport) };
  };
  return { url, named };
}

describe('roles', () => {
  test('whoever opens a new room owns it, appoints moderators, and nobody else may', async () => {
    const { named } = await server();
    const owner = await named('olga');
    const mod = await named('mona');
    const member = await named('mike');
    const opened = await joinOk(owner.socket, 'book-club');
    expect(opened.info).toEqual({
      room: 'book-club',
      owner: owner.who.user.id,
      moderators: [],
      operators: [],
      private: false,
    });
    const joined = await joinOk(mod.socket, 'book-club');
    expect(joined.info.owner).toBe(owner.who.user.id);
    await joinOk(member.socket, 'book-club');
    // general is nobody's.
    expect((await joinOk(member.socket, 'general')).info).toEqual({
      room: 'general',
      moderators: [],
      operators: [],
      private: false,
    });

    const told = waitFor<ModerationEvent>(member.socket, 'moderation');
    const appointed = await request(owner.socket, 'room:role', {
      room: 'book-club',
      userId: mod.who.user.id,
      role: 'moderator',
    });
    expect(appointed.ok && appointed.info.moderators).toEqual([mod.who.user.id]);
    expect(await told).toMatchObject({
      action: 'role',
      role: 'moderator',
      target: { name: 'mona' },
    });
    // A moderator cannot appoint, and nobody acts on someone of their rank or above.
    for (const [actor, payload] of [
      [mod.socket, { room: 'book-club', userId: member.who.user.id, role: 'moderator' }],
      [member.socket, { room: 'book-club', userId: member.who.user.id, role: 'moderator' }],
    ] as const) {
      expect(code(await request(actor, 'room:role', payload))).toBe(ErrorCode.NOT_MODERATOR);
    }
    expect(
      code(
        await request(mod.socket, 'room:kick', { room: 'book-club', userId: owner.who.user.id }),
      ),
    ).toBe(ErrorCode.NOT_MODERATOR);
    expect(code(await request(member.socket, 'room:audit', { room: 'book-club' }))).toBe(
      ErrorCode.NOT_MODERATOR,
    );
    const audit = await request(mod.socket, 'room:audit', { room: 'book-club' });
    expect(audit.ok && audit.entries.map((e) => e.action)).toEqual(['role', 'create']);
  });

  test('a member may not kick, ban, mute, update or read the audit; bad payloads are refused', async () => {
    const { named } = await server();
    const owner = await named('olga');
    const member = await named('mike');
    const other = await named('otto');
    await joinOk(owner.socket, 'den');
    await joinOk(member.socket, 'den');
    await joinOk(other.socket, 'den');
    const target = { room: 'den', userId: other.who.user.id };
    for (const [event, payload] of [
      ['room:kick', target],
      ['room:ban', target],
      ['room:unban', target],
      ['room:mute', { ...target, minutes: 5 }],
      ['room:unmute', target],
      ['room:invite', target],
      ['room:update', { room: 'den', topic: 'mine now' }],
      ['room:audit', { room: 'den' }],
    ] as const) {
      expect(await emitRaw(member.socket, event, payload), event).toMatchObject({
        ok: false,
        error: { code: ErrorCode.NOT_MODERATOR },
      });
    }
    for (const bad of [{ room: 'den' }, { room: 'den', userId: 5 }, { ...target, minutes: 0 }]) {
      expect(await emitRaw(owner.socket, 'room:ban', bad)).toMatchObject({
        ok: false,
        error: { code: ErrorCode.BAD_REQUEST },
      });
    }
    expect(code(await request(owner.socket, 'room:kick', { room: 'den', userId: 'nobody' }))).toBe(
      ErrorCode.NOT_FOUND,
    );
  });

  test('an operator named in ADMIN_USERS moderates every room, general included', async () => {
    const { named } = await server({ adminUsers: ['root'] });
    const root = await named('root');
    const spammer = await named('spam');
    await joinOk(spammer.socket, 'general');
    expect((await joinOk(root.socket, 'general')).operator).toBe(true);
    expect((await joinOk(spammer.socket, 'general')).operator).toBeUndefined();
    const removed = waitFor<RemovedEvent>(spammer.socket, 'room:removed');
    const ack = await request(root.socket, 'room:kick', {
      room: 'general',
      userId: spammer.who.user.id,
    });
    expect(ack.ok).toBe(true);
    expect(await removed).toMatchObject({ room: 'general', reason: 'kick', by: { name: 'root' } });
  });
});

describe('operators', () => {
  test('every room’s info names the operators who have an account, one who signs up later too', async () => {
    const { url, named } = await server({ adminUsers: ['root', 'ops'] });
    const owner = await named('olga');
    // Neither operator has an account yet: nobody is named.
    expect((await joinOk(owner.socket, 'den')).info.operators).toEqual([]);
    const ops = await signUp(url, 'Ops');
    const told = waitFor<ModerationEvent>(owner.socket, 'moderation');
    await request(owner.socket, 'room:update', { room: 'den', topic: 'hello' });
    expect((await told).info.operators).toEqual([ops.user.id]);
    const root = await signUp(url, 'root');
    const again = await as(url, owner.who);
    expect((await joinOk(again, 'den')).info.operators).toEqual([root.user.id, ops.user.id]);
  });

  test('an owner may not kick, ban, mute or demote an operator, nor remove their message', async () => {
    const { named } = await server({ adminUsers: ['root'] });
    const root = await named('root');
    const owner = await named('olga');
    await joinOk(owner.socket, 'den');
    const joined = await joinOk(root.socket, 'den');
    expect(joined.info.operators).toEqual([root.who.user.id]);
    const target = { room: 'den', userId: root.who.user.id };
    for (const [event, payload] of [
      ['room:kick', target],
      ['room:ban', target],
      ['room:mute', target],
      ['room:unban', target],
      ['room:unmute', target],
      ['room:role', { ...target, role: 'member' }],
    ] as const) {
      expect(await emitRaw(owner.socket, event, payload), event).toMatchObject({
        ok: false,
        error: { code: ErrorCode.NOT_MODERATOR },
      });
    }
    const said = await sendOk(root.socket, 'den', 'operator here');
    expect(code(await request(owner.socket, 'message:delete', { room: 'den', id: said.id }))).toBe(
      ErrorCode.NOT_ALLOWED,
    );
    // The operator, for their part, acts on the owner.
    const ownerSaid = await sendOk(owner.socket, 'den', 'owner here');
    expect(
      (await request(root.socket, 'message:delete', { room: 'den', id: ownerSaid.id })).ok,
    ).toBe(true);
  });
});

describe('kick, ban and mute', () => {
  test('a kick takes every tab of the user out of the room; the room hears it; they may come back', async () => {
    const { named, url } = await server();
    const owner = await named('olga');
    const spammer = await named('spam');
    const secondTab = await as(url, spammer.who, 'polling');
    await joinOk(owner.socket, 'den');
    await joinOk(spammer.socket, 'den');
    await joinOk(secondTab, 'den');
    const removed = [spammer.socket, secondTab].map((s) =>
      waitFor<RemovedEvent>(s, 'room:removed'),
    );
    const left = waitFor<PresenceEvent>(owner.socket, 'presence', (p) => p.action === 'leave');
    const notice = waitFor<ModerationEvent>(owner.socket, 'moderation');
    expect(
      (await request(owner.socket, 'room:kick', { room: 'den', userId: spammer.who.user.id })).ok,
    ).toBe(true);
    for (const r of removed) expect(await r).toMatchObject({ room: 'den', reason: 'kick' });
    expect((await left).member.id).toBe(spammer.who.user.id);
    expect(await notice).toMatchObject({
      action: 'kick',
      target: { name: 'spam' },
      by: { name: 'olga' },
    });
    // Out of the room on both connections: sends are refused until they rejoin.
    for (const s of [spammer.socket, secondTab]) {
      expect(
        code(await request(s, 'message:send', { room: 'den', text: 'x', clientId: `k${s.id}` })),
      ).toBe(ErrorCode.NOT_IN_ROOM);
    }
    await joinOk(spammer.socket, 'den');
  });

  test('a timed ban refuses rejoins until it expires by itself; one without minutes until lifted', async () => {
    const time = clock();
    const { named } = await server({}, time.now);
    const owner = await named('olga');
    const spammer = await named('spam');
    await joinOk(owner.socket, 'den');
    await joinOk(spammer.socket, 'den');
    const removed = waitFor<RemovedEvent>(spammer.socket, 'room:removed');
    const ack = await request(owner.socket, 'room:ban', {
      room: 'den',
      userId: spammer.who.user.id,
      minutes: 10,
      reason: 'links to scams',
    });
    expect(ack).toEqual({
      ok: true,
      room: 'den',
      userId: spammer.who.user.id,
      until: time.now() + 600_000,
    });
    expect(await removed).toMatchObject({
      reason: 'ban',
      until: time.now() + 600_000,
      message: 'links to scams',
    });
    const refused = await request(spammer.socket, 'room:join', { room: 'den' });
    expect(refused).toMatchObject({
      ok: false,
      error: { code: ErrorCode.BANNED, until: time.now() + 600_000 },
    });
    expect(!refused.ok && refused.error.message).toBe(
      'You are banned from this room for 10 more minutes.',
    );
    time.advance(600_001);
    await joinOk(spammer.socket, 'den');

    await request(owner.socket, 'room:ban', { room: 'den', userId: spammer.who.user.id });
    time.advance(365 * 24 * 3_600_000);
    const forever = await request(spammer.socket, 'room:join', { room: 'den' });
    expect(forever).toMatchObject({ ok: false, error: { code: ErrorCode.BANNED } });
    expect(!forever.ok && forever.error.until).toBeUndefined();
    expect(!forever.ok && forever.error.message).toBe(
      'You are banned from this room until a moderator lifts it.',
    );
    expect(
      (await request(owner.socket, 'room:unban', { room: 'den', userId: spammer.who.user.id })).ok,
    ).toBe(true);
    await joinOk(spammer.socket, 'den');
  });

  test('a mute refuses sends, edits and reactions with MUTED and until when; own deletions still work', async () => {
    const time = clock();
    const { named } = await server({}, time.now);
    const owner = await named('olga');
    const loud = await named('loud');
    await joinOk(owner.socket, 'den');
    await joinOk(loud.socket, 'den');
    const earlier = await sendOk(loud.socket, 'den', 'before the mute');
    await request(owner.socket, 'room:mute', { room: 'den', userId: loud.who.user.id, minutes: 5 });
    const until = time.now() + 300_000;
    const refusals = [
      await request(loud.socket, 'message:send', {
        room: 'den',
        text: 'still here',
        clientId: 'm1',
      }),
      await request(loud.socket, 'message:edit', { room: 'den', id: earlier.id, text: 'changed' }),
      await request(loud.socket, 'reaction:add', { room: 'den', id: earlier.id, emoji: '👍' }),
    ];
    for (const r of refusals)
      expect(r).toMatchObject({ ok: false, error: { code: ErrorCode.MUTED, until } });
    // How long in words, for clients that do not read `until`; never a clock time in UTC.
    expect(!refusals[0]?.ok && refusals[0]?.error.message).toBe(
      'You are muted here for 5 more minutes.',
    );
    time.advance(4 * 60_000 + 30_000);
    const later = await request(loud.socket, 'reaction:add', {
      room: 'den',
      id: earlier.id,
      emoji: '👍',
    });
    expect(!later.ok && later.error.message).toBe('You are muted here for 1 more minute.');
    expect((await request(loud.socket, 'message:delete', { room: 'den', id: earlier.id })).ok).toBe(
      true,
    );
    time.advance(300_001);
    await sendOk(loud.socket, 'den', 'back');
  });

  test('a moderator removes anyone’s message: the tombstone says so, and the audit records it', async () => {
    const { named } = await server();
    const owner = await named('olga');
    const member = await named('mike');
    await joinOk(owner.socket, 'den');
    await joinOk(member.socket, 'den');
    const bad = await sendOk(member.socket, 'den', 'something awful');
    const seen = waitFor<{ id: string }>(member.socket, 'message:deleted');
    const ack = await request(owner.socket, 'message:delete', { room: 'den', id: bad.id });
    expect(ack.ok && ack.message).toMatchObject({
      deleted: true,
      removedByModerator: true,
      text: '',
    });
    expect((await seen).id).toBe(bad.id);
    // The member may not do the same to the owner.
    const ownerSaid = await sendOk(owner.socket, 'den', 'house rules');
    expect(
      code(await request(member.socket, 'message:delete', { room: 'den', id: ownerSaid.id })),
    ).toBe(ErrorCode.NOT_ALLOWED);
    const audit = await request(owner.socket, 'room:audit', { room: 'den' });
    expect(audit.ok && audit.entries[0]).toMatchObject({
      action: 'delete-message',
      target: member.who.user.id,
      detail: bad.id,
    });
  });
});

describe('room settings', () => {
  test('a private room: invisible and closed to others, open to the invited; its topic for all in it', async () => {
    const { named } = await server();
    const owner = await named('olga');
    const guest = await named('gina');
    const outsider = await named('otto');
    const created = await request(owner.socket, 'room:create', {
      room: 'secret',
      private: true,
      topic: 'plans',
    });
    expect(created.ok && created.info).toEqual({
      room: 'secret',
      owner: owner.who.user.id,
      moderators: [],
      operators: [],
      private: true,
      topic: 'plans',
    });
    expect(code(await request(outsider.socket, 'room:create', { room: 'secret' }))).toBe(
      ErrorCode.ROOM_EXISTS,
    );
    await joinOk(owner.socket, 'secret');
    const listed = async (s: ChatClient) => {
      const ack = await request(s, 'rooms:list', {});
      return ack.ok ? ack.rooms.map((r) => r.name) : [];
    };
    expect(code(await request(outsider.socket, 'room:join', { room: 'secret' }))).toBe(
      ErrorCode.NOT_ALLOWED,
    );
    expect(await listed(outsider.socket)).not.toContain('secret');
    expect(
      (await request(owner.socket, 'room:invite', { room: 'secret', userId: guest.who.user.id }))
        .ok,
    ).toBe(true);
    expect(await listed(guest.socket)).toContain('secret');
    await joinOk(guest.socket, 'secret');
    const told = waitFor<ModerationEvent>(guest.socket, 'moderation');
    const updated = await request(owner.socket, 'room:update', {
      room: 'secret',
      topic: 'new plans',
    });
    expect(updated.ok && updated.info.topic).toBe('new plans');
    expect((await told).info.topic).toBe('new plans');
    // Nobody writes into it through a message either.
    const msg = waitFor<Message>(owner.socket, 'message');
    await sendOk(guest.socket, 'secret', 'hi');
    expect((await msg).text).toBe('hi');
  });

  test('an invitation names the user by id or by username; only those who run the room invite, into it only', async () => {
    const { url, named } = await server();
    const owner = await named('olga');
    const other = await named('otto');
    const guest = await named('gina');
    expect((await request(owner.socket, 'room:create', { room: 'secret', private: true })).ok).toBe(
      true,
    );
    expect((await request(other.socket, 'room:create', { room: 'attic', private: true })).ok).toBe(
      true,
    );
    // By username, as it was typed: the ack names the user.
    expect(
      await request(owner.socket, 'room:invite', { room: 'secret', username: ' Gina ' }),
    ).toEqual({ ok: true, room: 'secret', userId: guest.who.user.id });
    await joinOk(guest.socket, 'secret');
    // The owner of another room has no say in this one, by username or by id, and learns
    // nothing of who exists: the refusal comes before the lookup.
    for (const payload of [
      { room: 'secret', username: 'otto' },
      { room: 'secret', username: 'nobody-at-all' },
      { room: 'secret', userId: other.who.user.id },
    ]) {
      expect(code(await request(other.socket, 'room:invite', payload))).toBe(
        ErrorCode.NOT_MODERATOR,
      );
    }
    expect(code(await request(other.socket, 'room:join', { room: 'secret' }))).toBe(
      ErrorCode.NOT_ALLOWED,
    );
    // An invited member is still a member: they may not invite others.
    expect(
      code(await request(guest.socket, 'room:invite', { room: 'secret', username: 'otto' })),
    ).toBe(ErrorCode.NOT_MODERATOR);
    expect(
      code(await request(owner.socket, 'room:invite', { room: 'secret', username: 'nobody' })),
    ).toBe(ErrorCode.NOT_FOUND);
    for (const bad of [
      { room: 'secret' },
      { room: 'secret', userId: other.who.user.id, username: 'otto' },
      { room: 'secret', username: '' },
      { room: 'secret', username: 7 },
    ]) {
      expect(await emitRaw(owner.socket, 'room:invite', bad), JSON.stringify(bad)).toMatchObject({
        ok: false,
        error: { code: ErrorCode.BAD_REQUEST },
      });
    }
    expect(
      (await request(owner.socket, 'room:invite', { room: 'secret', username: 'otto' })).ok,
    ).toBe(true);
    await joinOk(await as(url, other.who), 'secret');
  });

  test('the audit lists the actions newest first and names the people in them', async () => {
    const { named } = await server();
    const owner = await named('olga', undefined, 'Olga O.');
    const member = await named('mike');
    await joinOk(owner.socket, 'den');
    await joinOk(member.socket, 'den');
    await request(owner.socket, 'room:update', { room: 'den', private: true });
    await request(owner.socket, 'room:mute', {
      room: 'den',
      userId: member.who.user.id,
      minutes: 5,
    });
    const audit = await request(owner.socket, 'room:audit', { room: 'den' });
    if (!audit.ok) throw new Error(audit.error.code);
    expect(audit.entries.map((e) => [e.action, e.by, e.target, e.detail])).toEqual([
      ['mute', owner.who.user.id, member.who.user.id, '5 min'],
      ['update', owner.who.user.id, undefined, '{"private":true}'],
      ['create', owner.who.user.id, undefined, undefined],
    ]);
    expect(audit.people).toEqual(
      expect.arrayContaining([
        { id: owner.who.user.id, name: 'Olga O.', username: 'olga' },
        { id: member.who.user.id, name: 'mike', username: 'mike' },
      ]),
    );
    expect(audit.people).toHaveLength(2);
    // Someone else's room's audit is closed to its members.
    expect(code(await request(member.socket, 'room:audit', { room: 'den' }))).toBe(
      ErrorCode.NOT_MODERATOR,
    );
  });
});

describe('the hourly room allowance', () => {
  test('room:create past ROOMS_PER_HOUR is ROOM_LIMIT, like a join, and makes nothing; the allowance comes back within the hour', async () => {
    const time = clock();
    const { named } = await server({ roomsPerHour: 2 }, time.now);
    const olga = await named('olga');
    const otto = await named('otto');
    // As the browser does: create, then enter. Entering a room one has just created opens
    // nothing new, so it takes no second allowance.
    for (const room of ['first', 'second']) {
      const created = await request(olga.socket, 'room:create', { room, private: true });
      expect(created.ok && created.info.owner, room).toBe(olga.who.user.id);
      expect((await joinOk(olga.socket, room)).info.owner).toBe(olga.who.user.id);
    }
    expect(
      await request(olga.socket, 'room:create', { room: 'third', private: true, topic: 'mine' }),
    ).toMatchObject({ ok: false, error: { code: ErrorCode.ROOM_LIMIT } });
    // Nothing was made: had the private room been created, otto could not enter it. He
    // opens it himself, as a public room he owns, without its topic.
    const opened = await joinOk(otto.socket, 'third');
    expect(opened.info).toEqual({
      room: 'third',
      owner: otto.who.user.id,
      moderators: [],
      operators: [],
      private: false,
    });

    // Two an hour come back one every half hour, not sooner.
    time.advance(1_800_000 - 1);
    expect(code(await request(olga.socket, 'room:create', { room: 'fourth' }))).toBe(
      ErrorCode.ROOM_LIMIT,
    );
    // A name that exists is refused before any allowance is spent on it.
    expect(code(await request(olga.socket, 'room:create', { room: 'first' }))).toBe(
      ErrorCode.ROOM_EXISTS,
    );
    // An hour after it was spent, the whole allowance is back, and no more.
    time.advance(1_800_000 + 1);
    for (const room of ['fourth', 'fifth']) {
      expect((await request(olga.socket, 'room:create', { room })).ok, room).toBe(true);
    }
    expect(code(await request(olga.socket, 'room:create', { room: 'sixth' }))).toBe(
      ErrorCode.ROOM_LIMIT,
    );
  });

  test('ROOMS_PER_HOUR_PER_ADDRESS bounds every user at one address together', async () => {
    const time = clock();
    const { named } = await server({ roomsPerHour: 5, roomsPerHourPerAddress: 2 }, time.now);
    // Every test client comes from 127.0.0.1.
    const olga = await named('olga');
    const otto = await named('otto');
    expect((await request(olga.socket, 'room:create', { room: 'one' })).ok).toBe(true);
    expect((await request(otto.socket, 'room:create', { room: 'two' })).ok).toBe(true);
    for (const s of [otto.socket, olga.socket]) {
      expect(code(await request(s, 'room:create', { room: 'three', private: true }))).toBe(
        ErrorCode.ROOM_LIMIT,
      );
    }
    // Opening it by a join draws on the same allowance of the address.
    expect(code(await request(otto.socket, 'room:join', { room: 'three' }))).toBe(
      ErrorCode.ROOM_LIMIT,
    );
    // Nothing was made: an hour later otto opens it by joining, public and his.
    time.advance(3_600_000);
    expect((await joinOk(otto.socket, 'three')).info).toMatchObject({
      owner: otto.who.user.id,
      private: false,
    });
  });
});

describe('room names', () => {
  test('every moderation event refuses a malformed room name with INVALID_ROOM, before any rank check', async () => {
    // 10 payloads × 8 names × 2 actors, and more: beyond the default event burst.
    const { named } = await server({ adminUsers: ['root'], eventBurst: 1000 });
    const root = await named('root');
    const member = await named('mike');
    const otto = await named('otto');
    const userId = otto.who.user.id;
    const payloads = (room: unknown) =>
      [
        ['room:update', { room, topic: 'x' }],
        ['room:audit', { room }],
        ['room:invite', { room, userId }],
        ['room:invite', { room, username: 'otto' }],
        ['room:kick', { room, userId }],
        ['room:ban', { room, userId, minutes: 5, reason: 'spam' }],
        ['room:mute', { room, userId, minutes: 5 }],
        ['room:role', { room, userId, role: 'moderator' }],
        ['room:unban', { room, userId }],
        ['room:unmute', { room, userId }],
      ] as const;
    const malformed = ['', 'Den', 'den club', 'den!', 'dén', 'den\n', '#den', 'x'.repeat(65)];
    // The operator outranks everyone in every room; the member moderates nothing. Both get
    // INVALID_ROOM: the name is checked before the rank, the target or the room's settings.
    for (const actor of [root.socket, member.socket]) {
      for (const room of malformed) {
        for (const [event, payload] of payloads(room)) {
          expect(await emitRaw(actor, event, payload), `${event} ${JSON.stringify(room)}`).toEqual({
            ok: false,
            error: { code: ErrorCode.INVALID_ROOM, message: expect.any(String) as string },
          });
        }
      }
    }
    // A room that is not a string at all is not of the documented shape: BAD_REQUEST.
    for (const room of [42, null, undefined]) {
      for (const [event, payload] of payloads(room)) {
        expect(
          await emitRaw(root.socket, event, payload),
          `${event} ${String(room)}`,
        ).toMatchObject({ ok: false, error: { code: ErrorCode.BAD_REQUEST } });
      }
    }
    // The same payloads with a well-formed name pass these checks: the operator invites otto.
    await joinOk(root.socket, 'den');
    expect(await request(root.socket, 'room:invite', { room: 'den', username: 'otto' })).toEqual({
      ok: true,
      room: 'den',
      userId,
    });
  });
});

describe('rooms nobody runs', () => {
  test('a conversation has no moderators, general and conversations cannot be created, general not deleted', async () => {
    const { named } = await server({ adminUsers: ['root'] });
    const root = await named('root');
    const olga = await named('olga');
    const dm = await request(olga.socket, 'dm:open', { users: [root.who.user.id] });
    if (!dm.ok) throw new Error(dm.error.code);
    await joinOk(olga.socket, dm.room);
    // Not even an operator moderates a conversation.
    for (const [event, payload] of [
      ['room:update', { room: dm.room, topic: 'mine' }],
      ['room:audit', { room: dm.room }],
      ['room:invite', { room: dm.room, username: 'olga' }],
      ['room:kick', { room: dm.room, userId: olga.who.user.id }],
      ['reports:list', { room: dm.room }],
      ['report:resolve', { room: dm.room, reportId: 'r1' }],
    ] as const) {
      expect(await emitRaw(root.socket, event, payload), event).toMatchObject({
        ok: false,
        error: { code: ErrorCode.NOT_ALLOWED },
      });
    }
    for (const room of ['general', dm.room]) {
      expect(code(await request(olga.socket, 'room:create', { room }))).toBe(ErrorCode.ROOM_EXISTS);
    }
    expect(code(await request(root.socket, 'admin:delete-room', { room: 'general' }))).toBe(
      ErrorCode.BAD_REQUEST,
    );
    expect(code(await request(root.socket, 'admin:delete-room', { room: 'Not A Room' }))).toBe(
      ErrorCode.INVALID_ROOM,
    );
  });
});

describe('site-wide', () => {
  test('an operator suspends and lifts a suspension by username; nobody else may, and learns nothing', async () => {
    const { url, named } = await server({ adminUsers: ['root'] });
    const root = await named('root');
    const member = await named('mike');
    const victim = await named('vic');
    for (const payload of [
      { username: 'vic', suspended: false },
      { username: 'nobody-at-all', suspended: true },
      { userId: victim.who.user.id, suspended: true },
    ]) {
      expect(code(await request(member.socket, 'admin:suspend', payload))).toBe(
        ErrorCode.NOT_ALLOWED,
      );
    }
    const ended = waitFor<{ reason: string }>(victim.socket, 'session:ended');
    expect(
      await request(root.socket, 'admin:suspend', { username: 'VIC', suspended: true }),
    ).toEqual({ ok: true, userId: victim.who.user.id });
    expect(await ended).toEqual({ reason: 'suspended' });
    const login = () =>
      apiRequest(url, 'POST', '/api/auth/login', { username: 'vic', password: TEST_PASSWORD });
    expect((await login()).status).toBe(403);
    expect(
      await request(root.socket, 'admin:suspend', { username: 'vic', suspended: false }),
    ).toEqual({ ok: true, userId: victim.who.user.id });
    expect((await login()).status).toBe(200);
    expect(
      code(await request(root.socket, 'admin:suspend', { username: 'nobody', suspended: true })),
    ).toBe(ErrorCode.NOT_FOUND);
    expect(
      code(await request(root.socket, 'admin:suspend', { username: 'root', suspended: true })),
    ).toBe(ErrorCode.BAD_REQUEST);
    for (const bad of [
      { username: 'vic' },
      { userId: victim.who.user.id, username: 'vic', suspended: true },
      { username: '', suspended: true },
    ]) {
      expect(await emitRaw(root.socket, 'admin:suspend', bad), JSON.stringify(bad)).toMatchObject({
        ok: false,
        error: { code: ErrorCode.BAD_REQUEST },
      });
    }
  });
});

describe('across two nodes', () => {
  const redis = new RedisProcess();
  beforeAll(() => redis.start());
  afterAll(() => redis.stop());

  test('a kick and a ban on one node take the user out on the other within a second; the ban holds there and expires by itself', async () => {
    const time = clock();
    const deployment = newDeployment();
    const n1 = await startNode(redis.url, deployment, { scryptCost: 10 }, { now: time.now });
    const n2 = await startNode(redis.url, deployment, { scryptCost: 10 }, { now: time.now });
    const olga = await signUp(n1.url, 'olga');
    const spam = await signUp(n1.url, 'spam');
    const owner = await as(n1.url, olga);
    const tabs = [await as(n2.url, spam), await as(n2.url, spam, 'polling')];
    await joinOk(owner, 'den');
    for (const t of tabs) await joinOk(t, 'den');

    const kicked = tabs.map((t) => waitFor<RemovedEvent>(t, 'room:removed'));
    const left = waitFor<PresenceEvent>(owner, 'presence', (p) => p.action === 'leave');
    let started = Date.now();
    expect((await request(owner, 'room:kick', { room: 'den', userId: spam.user.id })).ok).toBe(
      true,
    );
    await Promise.all(kicked);
    await left;
    expect(Date.now() - started).toBeLessThan(1000);
    for (const t of tabs) {
      expect(
        code(await request(t, 'message:send', { room: 'den', text: 'x', clientId: `x${t.id}` })),
      ).toBe(ErrorCode.NOT_IN_ROOM);
      await joinOk(t, 'den');
    }

    const banned = tabs.map((t) => waitFor<RemovedEvent>(t, 'room:removed'));
    started = Date.now();
    await request(owner, 'room:ban', { room: 'den', userId: spam.user.id, minutes: 1 });
    await Promise.all(banned);
    expect(Date.now() - started).toBeLessThan(1000);
    for (const node of [n1, n2]) {
      const elsewhere = await as(node.url, spam);
      expect(code(await request(elsewhere, 'room:join', { room: 'den' }))).toBe(ErrorCode.BANNED);
    }
    time.advance(60_001);
    await joinOk(tabs[0] ?? owner, 'den');
  });

  test('a private room is invisible to and unjoinable by non-members on every node', async () => {
    const deployment = newDeployment();
    const n1 = await startNode(redis.url, deployment, { scryptCost: 10 });
    const n2 = await startNode(redis.url, deployment, { scryptCost: 10 });
    const olga = await signUp(n1.url, 'olga');
    const otto = await signUp(n1.url, 'otto');
    const owner = await as(n1.url, olga);
    expect((await request(owner, 'room:create', { room: 'secret', private: true })).ok).toBe(true);
    await joinOk(owner, 'secret');
    for (const node of [n1, n2]) {
      const outsider = await as(node.url, otto);
      expect(code(await request(outsider, 'room:join', { room: 'secret' }))).toBe(
        ErrorCode.NOT_ALLOWED,
      );
      const list = await request(outsider, 'rooms:list', {});
      expect(list.ok && list.rooms.map((r) => r.name)).not.toContain('secret');
    }
    await request(owner, 'room:invite', { room: 'secret', userId: otto.user.id });
    await joinOk(await as(n2.url, otto), 'secret');
  });

  test('an operator suspends an account: its connections close on every node and sign-in is refused; members may not', async () => {
    const deployment = newDeployment();
    const settings = { scryptCost: 10, adminUsers: ['root'] };
    const n1 = await startNode(redis.url, deployment, settings);
    const n2 = await startNode(redis.url, deployment, settings);
    const root = await as(n1.url, await signUp(n1.url, 'root'));
    const victim = await signUp(n1.url, 'vic');
    const bystander = await as(n2.url, await signUp(n2.url, 'bob'));
    const sockets = [await as(n1.url, victim), await as(n2.url, victim, 'polling')];
    expect(
      code(await request(bystander, 'admin:suspend', { userId: victim.user.id, suspended: true })),
    ).toBe(ErrorCode.NOT_ALLOWED);
    const ended = sockets.map((s) => waitFor<{ reason: string }>(s, 'session:ended'));
    const closed = sockets.map((s) => waitFor(s, 'disconnect'));
    expect(
      await request(root, 'admin:suspend', { userId: victim.user.id, suspended: true }),
    ).toEqual({
      ok: true,
      userId: victim.user.id,
    });
    for (const e of ended) expect(await e).toEqual({ reason: 'suspended' });
    await Promise.all(closed);
    const login = await apiRequest(n2.url, 'POST', '/api/auth/login', {
      username: 'vic',
      password: TEST_PASSWORD,
    });
    expect(login.status).toBe(403);
    expect(login.body).toMatchObject({ error: { code: ErrorCode.SUSPENDED } });
    await request(root, 'admin:suspend', { userId: victim.user.id, suspended: false });
    expect(
      (
        await apiRequest(n1.url, 'POST', '/api/auth/login', {
          username: 'vic',
          password: TEST_PASSWORD,
        })
      ).status,
    ).toBe(200);
  });

  test('an operator deletes a room: everyone in it is removed on every node and its history is gone', async () => {
    const deployment = newDeployment();
    const settings = { scryptCost: 10, adminUsers: ['root'] };
    const n1 = await startNode(redis.url, deployment, settings);
    const n2 = await startNode(redis.url, deployment, settings);
    const root = await as(n1.url, await signUp(n1.url, 'root'));
    const olga = await as(n2.url, await signUp(n2.url, 'olga'));
    await joinOk(olga, 'doomed');
    await sendOk(olga, 'doomed', 'soon gone');
    expect(code(await request(olga, 'admin:delete-room', { room: 'doomed' }))).toBe(
      ErrorCode.NOT_ALLOWED,
    );
    const removed = waitFor<RemovedEvent>(olga, 'room:removed');
    expect(await request(root, 'admin:delete-room', { room: 'doomed' })).toEqual({
      ok: true,
      room: 'doomed',
    });
    expect(await removed).toMatchObject({
      room: 'doomed',
      reason: 'deleted',
      by: { name: 'root' },
    });
    expect(
      code(await request(olga, 'message:send', { room: 'doomed', text: 'x', clientId: 'x1' })),
    ).toBe(ErrorCode.NOT_IN_ROOM);
    const fresh = await joinOk(olga, 'doomed');
    expect(fresh.history).toEqual([]);
    // Whoever opens it now owns it anew.
    expect(fresh.info.owner).toBeDefined();
  });
});
