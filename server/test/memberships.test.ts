import { describe, expect, test } from 'vitest';
import {
  ErrorCode,
  type InvitationEvent,
  type InvitationGoneEvent,
  type MembershipEvent,
} from '../../common/contract.js';
import { signUp, type SignedIn } from './support/accounts.js';
import {
  collect,
  connect,
  emitRaw,
  joinOk,
  request,
  roundTrip,
  waitFor,
  type ChatClient,
} from './support/client.js';
import { startTestServer } from './support/server.js';

const code = (ack: { ok: boolean; error?: { code: string } }) =>
  ack.ok ? 'ok' : (ack.error?.code ?? '');

async function server() {
  const { url } = await startTestServer({ scryptCost: 10 });
  const device = (who: SignedIn) => connect(url, { session: who.token, transports: ['websocket'] });
  const named = async (name: string) => {
    const who = await signUp(url, name);
    return { who, socket: await device(who) };
  };
  return { named, device };
}

async function mine(socket: ChatClient) {
  const ack = await request(socket, 'rooms:mine', {});
  if (!ack.ok) throw new Error(ack.error.message);
  return ack;
}

const listed = async (socket: ChatClient) => {
  const ack = await request(socket, 'rooms:list', {});
  return ack.ok ? ack.rooms.map((r) => r.name) : [];
};

describe('rooms follow the user', () => {
  test('joined rooms, a private one included, reach a new device; joins and leaves reach the others live', async () => {
    const { named, device } = await server();
    const ada = await named('ada');
    const bob = await named('bob');
    await joinOk(ada.socket, 'dev');
    expect((await request(ada.socket, 'room:create', { room: 'den', private: true })).ok).toBe(
      true,
    );
    await joinOk(ada.socket, 'den');
    await joinOk(bob.socket, 'art');
    const second = await device(ada.who);
    expect((await mine(second)).rooms).toEqual(['den', 'dev']);
    expect((await mine(bob.socket)).rooms).toEqual(['art']);
    // Nobody else hears of Ada's rooms.
    const bobHears = collect<MembershipEvent>(bob.socket, 'room:membership');
    const joined = waitFor<MembershipEvent>(second, 'room:membership');
    await joinOk(ada.socket, 'books');
    expect(await joined).toEqual({ room: 'books', action: 'join' });
    // A second tab's own join of a room the user holds tells nobody anything.
    const echoes = collect<MembershipEvent>(ada.socket, 'room:membership');
    await joinOk(second, 'books');
    await joinOk(second, 'dev');
    const left = waitFor<MembershipEvent>(ada.socket, 'room:membership');
    expect((await request(second, 'room:leave', { room: 'dev' })).ok).toBe(true);
    expect(await left).toEqual({ room: 'dev', action: 'leave' });
    await roundTrip(ada.socket);
    await roundTrip(bob.socket);
    expect(echoes).toEqual([{ room: 'dev', action: 'leave' }]);
    expect(bobHears).toEqual([]);
    expect((await mine(await device(ada.who))).rooms).toEqual(['books', 'den']);
  });

  test('the list is one’s own: no user id is accepted, so nobody reads another’s', async () => {
    const { named } = await server();
    const ada = await named('ada');
    const bob = await named('bob');
    await joinOk(ada.socket, 'secret-plans');
    expect(await emitRaw(bob.socket, 'rooms:mine', { userId: ada.who.user.id })).toMatchObject({
      ok: false,
      error: { code: ErrorCode.BAD_REQUEST },
    });
    expect((await mine(bob.socket)).rooms).toEqual([]);
  });

  test('the directory lists one’s private rooms, even empty, and never to those outside them', async () => {
    const { named, device } = await server();
    const ada = await named('ada');
    const otto = await named('otto');
    expect((await request(ada.socket, 'room:create', { room: 'den', private: true })).ok).toBe(
      true,
    );
    await joinOk(ada.socket, 'den');
    // A new device of Ada's, in no room yet: her private room is in the directory for her.
    const other = await device(ada.who);
    ada.socket.disconnect();
    expect(await listed(other)).toContain('den');
    expect(await listed(otto.socket)).not.toContain('den');
  });

  test('a kick or a ban takes the room out of the user’s list', async () => {
    const { named } = await server();
    const owner = await named('olga');
    const kicked = await named('kim');
    const banned = await named('ben');
    await joinOk(owner.socket, 'club');
    await joinOk(kicked.socket, 'club');
    await joinOk(banned.socket, 'club');
    expect((await mine(kicked.socket)).rooms).toEqual(['club']);
    const kick = await request(owner.socket, 'room:kick', {
      room: 'club',
      userId: kicked.who.user.id,
    });
    expect(kick.ok).toBe(true);
    const ban = await request(owner.socket, 'room:ban', {
      room: 'club',
      userId: banned.who.user.id,
    });
    expect(ban.ok).toBe(true);
    expect((await mine(kicked.socket)).rooms).toEqual([]);
    expect((await mine(banned.socket)).rooms).toEqual([]);
  });
});

describe('invitations', () => {
  test('reach every tab of the invitee, wait for the next sign-in, and go once joined or declined', async () => {
    const { named, device } = await server();
    const owner = await named('olga');
    const bea = await named('bea');
    const tab2 = await device(bea.who);
    for (const room of ['den', 'attic']) {
      expect((await request(owner.socket, 'room:create', { room, private: true })).ok).toBe(true);
    }
    const onTabs = [bea.socket, tab2].map((s) => waitFor<InvitationEvent>(s, 'invitation'));
    const invited = await request(owner.socket, 'room:invite', {
      room: 'den',
      username: 'bea',
    });
    expect(invited.ok).toBe(true);
    for (const told of await Promise.all(onTabs)) {
      expect(told.invitation).toMatchObject({ room: 'den', by: { id: owner.who.user.id } });
    }
    await request(owner.socket, 'room:invite', { room: 'attic', userId: bea.who.user.id });
    const later = await device(bea.who);
    expect((await mine(later)).invitations.map((i) => i.room)).toEqual(['den', 'attic']);

    const goneOnTabs = [bea.socket, tab2].map((s) =>
      waitFor<InvitationGoneEvent>(s, 'invitation:gone', (e) => e.room === 'den'),
    );
    await joinOk(bea.socket, 'den');
    expect(await Promise.all(goneOnTabs)).toEqual([{ room: 'den' }, { room: 'den' }]);

    const declined = waitFor<InvitationGoneEvent>(tab2, 'invitation:gone');
    expect(await request(bea.socket, 'invitation:decline', { room: 'attic' })).toEqual({
      ok: true,
      room: 'attic',
    });
    expect(await declined).toEqual({ room: 'attic' });
    expect((await mine(later)).invitations).toEqual([]);
    expect(code(await request(bea.socket, 'invitation:decline', { room: 'attic' }))).toBe(
      ErrorCode.NOT_FOUND,
    );
  });

  test('only the invitee answers their invitation', async () => {
    const { named } = await server();
    const owner = await named('olga');
    const bea = await named('bea');
    const mallory = await named('mallory');
    expect((await request(owner.socket, 'room:create', { room: 'den', private: true })).ok).toBe(
      true,
    );
    await request(owner.socket, 'room:invite', { room: 'den', userId: bea.who.user.id });
    const heard = collect<InvitationGoneEvent>(bea.socket, 'invitation:gone');
    expect(code(await request(mallory.socket, 'invitation:decline', { room: 'den' }))).toBe(
      ErrorCode.NOT_FOUND,
    );
    expect(
      await emitRaw(mallory.socket, 'invitation:decline', {
        room: 'den',
        userId: bea.who.user.id,
      }),
    ).toMatchObject({ ok: false, error: { code: ErrorCode.BAD_REQUEST } });
    // Nor does joining in their place: the room stays closed to someone not invited.
    expect(code(await request(mallory.socket, 'room:join', { room: 'den' }))).toBe(
      ErrorCode.NOT_ALLOWED,
    );
    await roundTrip(bea.socket);
    expect(heard).toEqual([]);
    expect((await mine(bea.socket)).invitations.map((i) => i.room)).toEqual(['den']);
  });
});
