import { describe, expect, test } from 'vitest';
import { ErrorCode, type PresenceEvent, type TypingEvent } from '../../common/contract.js';
import {
  collect,
  connect,
  emitRaw,
  join,
  joinOk,
  request,
  repeatUntil,
  waitFor,
  type ChatClient,
} from './support/client.js';
import { startTestServer } from './support/server.js';

const leave = (socket: ChatClient, room: string) => request(socket, 'room:leave', { room });
const listRooms = (socket: ChatClient) => request(socket, 'rooms:list', {});

describe('room:join', () => {
  test('answers with the room, members, empty history and no gap', async () => {
    const { url } = await startTestServer();
    const alice = await connect(url, { name: 'alice' });
    const ack = await joinOk(alice, 'general');
    expect(ack).toMatchObject({
      ok: true,
      room: 'general',
      history: [],
      hasMore: false,
      gap: false,
    });
    expect(ack.members.map((m) => m.name)).toEqual(['alice']);
    expect(ack.self).toEqual(ack.members[0]);
  });

  test('tells the others with a presence event and lists every member', async () => {
    const { url } = await startTestServer();
    const alice = await connect(url, { name: 'alice' });
    const bob = await connect(url, { name: 'bob', transports: ['polling'] });
    await joinOk(alice, 'general');
    const seen = waitFor<PresenceEvent>(alice, 'presence');
    const ack = await joinOk(bob, 'general');
    const presence = await seen;
    expect(presence).toMatchObject({ room: 'general', action: 'join', count: 2 });
    expect(presence.member.name).toBe('bob');
    expect(ack.members.map((m) => m.name).sort()).toEqual(['alice', 'bob']);
    expect(ack.members.find((m) => m.name === 'bob')?.id).toBe(presence.member.id);
  });

  test('joining twice is harmless and announces nothing the second time', async () => {
    const { url } = await startTestServer();
    const alice = await connect(url, { name: 'alice' });
    const bob = await connect(url, { name: 'bob' });
    await joinOk(alice, 'general');
    const events = collect<PresenceEvent>(alice, 'presence');
    await joinOk(bob, 'general');
    await joinOk(bob, 'general');
    // A round trip through alice's connection proves nothing else is on its way.
    await listRooms(alice);
    expect(events).toHaveLength(1);
  });

  test.each(['General', 'has space', '', 'x'.repeat(65), 'émoji', '../etc'])(
    'the room name %j is refused with INVALID_ROOM',
    async (room) => {
      const { url } = await startTestServer();
      const alice = await connect(url);
      const ack = await join(alice, room);
      expect(ack).toMatchObject({ ok: false, error: { code: ErrorCode.INVALID_ROOM } });
    },
  );

  test('a connection may be in at most MAX_ROOMS_PER_CONNECTION rooms', async () => {
    const { url } = await startTestServer({ maxRoomsPerConnection: 3 });
    const alice = await connect(url);
    for (const room of ['a', 'b', 'c']) await joinOk(alice, room);
    expect(await join(alice, 'd')).toMatchObject({
      ok: false,
      error: { code: ErrorCode.TOO_MANY_ROOMS },
    });
    // Rejoining a room it is in still works, and leaving makes room for another.
    await joinOk(alice, 'a');
    expect(await leave(alice, 'b')).toEqual({ ok: true, room: 'b' });
    await joinOk(alice, 'd');
  });

  test('the default limit is 20 rooms', async () => {
    const { url } = await startTestServer();
    const alice = await connect(url);
    for (let i = 0; i < 20; i++) await joinOk(alice, `room-${i}`);
    const ack = await join(alice, 'one-too-many');
    expect(ack).toMatchObject({ ok: false, error: { code: ErrorCode.TOO_MANY_ROOMS } });
  });
});

describe('room:leave', () => {
  test('tells the others and stops delivery to the leaver', async () => {
    const { url } = await startTestServer();
    const alice = await connect(url, { name: 'alice' });
    const bob = await connect(url, { name: 'bob' });
    await joinOk(alice, 'general');
    await joinOk(bob, 'general');
    const seen = waitFor<PresenceEvent>(alice, 'presence');
    expect(await leave(bob, 'general')).toEqual({ ok: true, room: 'general' });
    expect(await seen).toMatchObject({ action: 'leave', count: 1, member: { name: 'bob' } });
    const bobMessages = collect(bob, 'message');
    await request(alice, 'message:send', {
      room: 'general',
      text: 'bob is gone',
      clientId: 'x1',
    });
    await listRooms(bob);
    expect(bobMessages).toEqual([]);
  });

  test('leaving a room one is not in is NOT_IN_ROOM; a bad name is INVALID_ROOM', async () => {
    const { url } = await startTestServer();
    const alice = await connect(url);
    expect(await leave(alice, 'general')).toMatchObject({
      ok: false,
      error: { code: ErrorCode.NOT_IN_ROOM },
    });
    expect(await leave(alice, 'NOPE')).toMatchObject({
      ok: false,
      error: { code: ErrorCode.INVALID_ROOM },
    });
  });

  test('a disconnect is announced as a leave in every room of the connection', async () => {
    const { url } = await startTestServer();
    const alice = await connect(url, { name: 'alice' });
    const bob = await connect(url, { name: 'bob', transports: ['polling'] });
    await joinOk(alice, 'one');
    await joinOk(alice, 'two');
    await joinOk(bob, 'one');
    await joinOk(bob, 'two');
    const leaves = new Promise<PresenceEvent[]>((resolve) => {
      const got: PresenceEvent[] = [];
      alice.on('presence', (event) => {
        if (event.action === 'leave') got.push(event);
        if (got.length === 2) resolve(got);
      });
    });
    bob.disconnect();
    const events = await leaves;
    expect(events.map((e) => e.room).sort()).toEqual(['one', 'two']);
    for (const event of events) expect(event).toMatchObject({ member: { name: 'bob' }, count: 1 });
  });
});

describe('rooms:list', () => {
  test('lists rooms with live member counts, busiest first, general always present', async () => {
    let now = 1_000_000;
    const { url } = await startTestServer({}, { now: () => now });
    const alice = await connect(url, { name: 'alice' });
    const bob = await connect(url, { name: 'bob' });
    expect(await listRooms(alice)).toEqual({ ok: true, rooms: [{ name: 'general', members: 0 }] });
    await joinOk(alice, 'lobby');
    await joinOk(bob, 'lobby');
    await joinOk(bob, 'zeta');
    // One computed directory serves every client for two seconds.
    expect(await listRooms(bob)).toEqual({ ok: true, rooms: [{ name: 'general', members: 0 }] });
    now += 2000;
    const ack = await listRooms(alice);
    expect(ack).toEqual({
      ok: true,
      rooms: [
        { name: 'lobby', members: 2 },
        { name: 'zeta', members: 1 },
        { name: 'general', members: 0 },
      ],
    });
  });

  test('rooms that only have history are listed with zero members', async () => {
    const { url } = await startTestServer();
    const alice = await connect(url);
    await joinOk(alice, 'archive');
    await request(alice, 'message:send', { room: 'archive', text: 'kept', clientId: 'k' });
    await leave(alice, 'archive');
    const ack = await listRooms(alice);
    expect(ack.ok && ack.rooms).toContainEqual({ name: 'archive', members: 0 });
  });

  test('general stays listed however many rooms are busier', async () => {
    const { url } = await startTestServer({ maxRoomsPerConnection: 300, eventBurst: 1000 });
    const alice = await connect(url);
    await Promise.all(Array.from({ length: 210 }, (_, i) => joinOk(alice, `busy-${i}`)));
    const ack = await request(alice, 'rooms:list', {});
    expect(ack.ok && ack.rooms).toHaveLength(200);
    expect(ack.ok && ack.rooms[199]).toEqual({ name: 'general', members: 0 });
  });

  test('the payload may be omitted, but must be an object when present', async () => {
    const { url } = await startTestServer();
    const alice = await connect(url);
    expect(await emitRaw(alice, 'rooms:list')).toMatchObject({ ok: true });
    expect(await emitRaw(alice, 'rooms:list', 'nope')).toMatchObject({
      ok: false,
      error: { code: ErrorCode.BAD_REQUEST },
    });
  });
});

describe('typing', () => {
  test('is relayed to the others in the room, not to the typist', async () => {
    const { url } = await startTestServer();
    const alice = await connect(url, { name: 'alice' });
    const bob = await connect(url, { name: 'bob', transports: ['polling'] });
    await joinOk(alice, 'general');
    await joinOk(bob, 'general');
    const aliceTyping = collect<TypingEvent>(alice, 'typing');
    const seen = await repeatUntil(
      () => {
        alice.emit('typing', { room: 'general', typing: true });
      },
      waitFor<TypingEvent>(bob, 'typing'),
    );
    expect(seen).toMatchObject({ room: 'general', typing: true, member: { name: 'alice' } });
    const stopped = await repeatUntil(
      () => {
        alice.emit('typing', { room: 'general', typing: false });
      },
      waitFor<TypingEvent>(bob, 'typing', (e) => !e.typing),
    );
    expect(stopped).toMatchObject({ typing: false, member: { name: 'alice' } });
    await listRooms(alice);
    expect(aliceTyping).toEqual([]);
  });

  test('is refused for rooms the client is not in, and for bad payloads', async () => {
    const { url } = await startTestServer();
    const alice = await connect(url, { name: 'alice' });
    const bob = await connect(url, { name: 'bob' });
    await joinOk(bob, 'general');
    const bobTyping = collect<TypingEvent>(bob, 'typing');
    // typing needs no ack; with one, the client learns why it was refused.
    expect(await emitRaw(alice, 'typing', { room: 'general', typing: true })).toMatchObject({
      ok: false,
      error: { code: ErrorCode.NOT_IN_ROOM },
    });
    expect(await emitRaw(alice, 'typing', { room: 'general', typing: 'yes' })).toMatchObject({
      ok: false,
      error: { code: ErrorCode.BAD_REQUEST },
    });
    alice.emit('typing', { room: 'general', typing: true });
    await listRooms(alice);
    await listRooms(bob);
    expect(bobTyping).toEqual([]);
  });
});
