import { describe, expect, test } from 'vitest';
import { ErrorCode, type PresenceEvent } from '../../common/contract.js';
import { ManualScheduler } from '../../client/test/support/manual-scheduler.js';
import { apiRequest, signInGuest, signUp } from './support/accounts.js';
import {
  collect,
  connect,
  createClient,
  joinOk,
  request,
  roundTrip,
  sendOk,
  waitFor,
} from './support/client.js';
import { startTestServer } from './support/server.js';

describe('one user, one member', () => {
  test('two tabs are one member: the second joins silently, and only the last leave is announced', async () => {
    const { url } = await startTestServer();
    const bob = await connect(url, { name: 'bob' });
    await joinOk(bob, 'general');
    const heard = collect<PresenceEvent>(bob, 'presence');

    const tab1 = await connect(url, { name: 'alice' });
    const first = await joinOk(tab1, 'general');
    const tab2 = await connect(url, { name: 'alice', transports: ['polling'] });
    const second = await joinOk(tab2, 'general');
    expect(second.self).toEqual(first.self);
    expect(second.members.map((m) => m.name).sort()).toEqual(['alice', 'bob']);
    await roundTrip(bob);
    expect(heard.map((e) => [e.action, e.member.name, e.count])).toEqual([['join', 'alice', 2]]);

    // Both tabs are the author of what either sends.
    const fromTab2 = await sendOk(tab2, 'general', 'from tab 2');
    expect(fromTab2.author).toEqual(first.self);

    await request(tab1, 'room:leave', { room: 'general' });
    await roundTrip(bob);
    expect(heard).toHaveLength(1);
    expect((await request(bob, 'rooms:list', {})).ok).toBe(true);
    const left = waitFor<PresenceEvent>(bob, 'presence');
    tab2.disconnect();
    expect(await left).toMatchObject({ action: 'leave', member: first.self, count: 1 });
  });

  test('rooms:list counts people, not connections', async () => {
    const { url } = await startTestServer();
    for (const name of ['a', 'a', 'a', 'b']) await joinOk(await connect(url, { name }), 'busy');
    const list = await request(await connect(url, { name: 'c' }), 'rooms:list', {});
    if (!list.ok) throw new Error(list.error.message);
    expect(list.rooms.find((r) => r.name === 'busy')?.members).toBe(2);
  });
});

describe('the grace period', () => {
  test('a reconnect within PRESENCE_GRACE_MS makes no leave and no join; staying away does', async () => {
    const scheduler = new ManualScheduler();
    const { url, server } = await startTestServer({ presenceGraceMs: 5000 }, { scheduler });
    const bob = await connect(url, { name: 'bob' });
    await joinOk(bob, 'general');
    const alice = await connect(url, { name: 'alice' });
    const self = (await joinOk(alice, 'general')).self;
    const heard = collect<PresenceEvent>(bob, 'presence');

    // A reload: the connection drops and a new one of the same user joins.
    const gone = waitFor(server.io.of('/').sockets.get(alice.id ?? '') ?? alice, 'disconnect');
    alice.disconnect();
    await gone;
    const back = await connect(url, { name: 'alice' });
    await joinOk(back, 'general');
    scheduler.advance(5000);
    await roundTrip(bob);
    expect(heard).toEqual([]);

    // Now the last connection goes for good: the leave comes when the grace period is over.
    const goneAgain = waitFor(server.io.of('/').sockets.get(back.id ?? '') ?? back, 'disconnect');
    back.disconnect();
    await goneAgain;
    scheduler.advance(4999);
    await roundTrip(bob);
    expect(heard).toEqual([]);
    const left = waitFor<PresenceEvent>(bob, 'presence');
    scheduler.advance(1);
    expect(await left).toMatchObject({ action: 'leave', member: self, count: 1 });
  });
});

describe('renames', () => {
  test('are announced once per room as renames, and what follows carries the new name', async () => {
    const { url } = await startTestServer();
    const kim = await signUp(url, 'kim', 'Kim');
    const tab1 = await connect(url, { session: kim.token });
    const tab2 = await connect(url, { session: kim.token });
    await joinOk(tab1, 'general');
    await joinOk(tab2, 'general');
    await joinOk(tab2, 'dev');
    const bob = await connect(url, { name: 'bob' });
    await joinOk(bob, 'general');
    await joinOk(bob, 'dev');
    const heard = collect<PresenceEvent>(bob, 'presence');

    const res = await apiRequest(
      url,
      'PATCH',
      '/api/auth/me',
      { name: 'Kimberly' },
      {
        cookie: kim.cookie,
      },
    );
    expect(res).toMatchObject({
      status: 200,
      body: { user: { id: kim.user.id, name: 'Kimberly' } },
    });
    await roundTrip(bob);
    expect(heard.map((e) => [e.room, e.action, e.member.name, e.previousName]).sort()).toEqual([
      ['dev', 'rename', 'Kimberly', 'Kim'],
      ['general', 'rename', 'Kimberly', 'Kim'],
    ]);
    expect((await sendOk(tab1, 'general', 'new name')).author).toEqual({
      id: kim.user.id,
      name: 'Kimberly',
    });
    const members = (await joinOk(bob, 'general')).members;
    expect(members.find((m) => m.id === kim.user.id)?.name).toBe('Kimberly');
  });

  test('follow the rules of names: taken, look-alike, invisible and signed-out renames are refused', async () => {
    const { url } = await startTestServer();
    const kim = await signUp(url, 'kim', 'Kim');
    await signUp(url, 'lee', 'Lee');
    const rename = (name: string, cookie = kim.cookie) =>
      apiRequest(url, 'PATCH', '/api/auth/me', { name }, { cookie });
    expect((await rename('lee')).body).toMatchObject({ error: { code: ErrorCode.NAME_TAKEN } });
    expect((await rename('L\u0435e')).status).toBe(409);
    expect((await rename('K\u200bim')).body).toMatchObject({
      error: { code: ErrorCode.INVALID_NAME },
    });
    expect((await rename('Lee', 'chat_session=nope')).status).toBe(401);
    // Your own name in another case is yours to take.
    expect((await rename('KIM')).status).toBe(200);
    // A page of another origin cannot rename anyone.
    const foreign = await apiRequest(
      url,
      'PATCH',
      '/api/auth/me',
      { name: 'pwned' },
      {
        cookie: kim.cookie,
        origin: 'http://evil.example',
      },
    );
    expect(foreign.status).toBe(403);
  });
});

describe('guest names', () => {
  test('a guest may not take the name of another guest online, look-alikes included', async () => {
    const { url, server } = await startTestServer();
    const sam = await connect(url, { name: 'Sam' });
    for (const name of ['sam', 'SAM', '\u0405am', 'S a m', 'Ｓam']) {
      const res = await apiRequest(url, 'POST', '/api/auth/guest', { name });
      expect(res.status, name).toBe(409);
      expect(res.body).toMatchObject({ error: { code: ErrorCode.NAME_TAKEN } });
    }
    expect((await apiRequest(url, 'POST', '/api/auth/guest', { name: 'S\u200bam' })).status).toBe(
      400,
    );
    // Once Sam is gone the name is free again.
    const gone = waitFor(server.io.of('/').sockets.get(sam.id ?? '') ?? sam, 'disconnect');
    sam.disconnect();
    await gone;
    const second = await signInGuest(url, 'sam');
    expect(second.user.name).toBe('sam');
  });

  test('two guests of one name who signed in while the other was offline cannot both connect', async () => {
    const { url } = await startTestServer();
    const first = await signInGuest(url, 'Robin');
    const second = await signInGuest(url, 'robin');
    await connect(url, { session: first.token });
    const socket = createClient(url, { session: second.token });
    const err = await waitFor<Error & { data?: { code?: string } }>(socket, 'connect_error');
    expect(err.data?.code).toBe(ErrorCode.NAME_TAKEN);
  });
});
