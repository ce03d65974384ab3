import { describe, expect, test } from 'vitest';
import type { MentionEvent } from '../../common/contract.js';
import { mentionToken, mentionTokens } from '../../common/mentions.js';
import { signInGuest, signUp, type SignedIn } from './support/accounts.js';
import { collect, connect, joinOk, request, roundTrip, sendOk, waitFor } from './support/client.js';
import { startTestServer } from './support/server.js';

const as = (url: string, who: SignedIn) => connect(url, { session: who.token });

describe('the mention grammar (common/mentions.ts)', () => {
  test('@username and a guest’s @"Name", each once, never inside an address', () => {
    expect(
      mentionTokens('hi @Alice1 and @"Zoë K", @alice1 again, @"zoë k", mail bo@b.io, @ab'),
    ).toEqual([{ username: 'alice1' }, { guest: 'Zoë K' }]);
    expect(mentionTokens('@"" and @" " and @"open')).toEqual([]);
  });

  test('what the composer writes is what the server reads', () => {
    const alice = { id: 'u1', name: 'Alice', username: 'alice1' };
    const zoe = { id: 'u2', name: 'Zoë K', guest: true as const };
    expect(mentionToken(alice)).toBe('@alice1');
    expect(mentionToken(zoe)).toBe('@"Zoë K"');
    expect(mentionToken({ id: 'u3', name: 'say "hi"', guest: true })).toBeUndefined();
    expect(mentionToken({ id: 'u4', name: 'Token user' })).toBeUndefined();
    expect(mentionTokens(`${mentionToken(alice)} ${mentionToken(zoe)}`)).toEqual([
      { username: 'alice1' },
      { guest: 'Zoë K' },
    ]);
  });
});

describe('mentions by username and by guest name', () => {
  test('@username names the account whose display name differs; the display name names nobody', async () => {
    const { url } = await startTestServer({ scryptCost: 10 });
    const [ben, alice] = await Promise.all([signUp(url, 'ben'), signUp(url, 'alice1', 'Alice')]);
    const b = await as(url, ben);
    const a = await as(url, alice);
    await joinOk(b, 'general');
    const heard = collect<MentionEvent>(a, 'mention');

    const byDisplayName = await sendOk(b, 'general', 'hello @Alice and @nobody-here');
    expect(byDisplayName.mentions).toBeUndefined();
    const next = waitFor<MentionEvent>(a, 'mention');
    const byUsername = await sendOk(b, 'general', 'hello @alice1');
    expect(byUsername.mentions).toEqual([{ id: alice.user.id, name: 'Alice', username: 'alice1' }]);
    expect((await next).message.id).toBe(byUsername.id);
    await roundTrip(a);
    expect(heard.map((m) => m.message.id)).toEqual([byUsername.id]);
  });

  test('@"Name" names the guest online under exactly that name, and only a guest', async () => {
    const { url } = await startTestServer({ scryptCost: 10 });
    const ben = await signUp(url, 'ben', 'Ben Account');
    const zoe = await signInGuest(url, 'Zoë K');
    // Signed in, never connected: offline.
    await signInGuest(url, 'Gone Guest');
    const b = await as(url, ben);
    const z = await as(url, zoe);
    await Promise.all([joinOk(b, 'general'), joinOk(z, 'general')]);
    const heard = collect<MentionEvent>(z, 'mention');

    const next = waitFor<MentionEvent>(z, 'mention');
    const m = await sendOk(b, 'general', 'welcome @"zoë k"!');
    expect(m.mentions).toEqual([{ id: zoe.user.id, name: 'Zoë K', guest: true }]);
    expect((await next).message.id).toBe(m.id);

    // Nobody: a guest who is offline, a look-alike of the guest's name, an account's
    // display name in quotes (display names repeat; accounts are named by username).
    const none = await sendOk(b, 'general', '@"Gone Guest" @"Zoe K" @"Zoë" @"Ben Account"');
    expect(none.mentions).toBeUndefined();
    // The guest names nobody by naming themself.
    const own = await sendOk(z, 'general', 'I am @"Zoë K"');
    expect(own.mentions).toBeUndefined();
    await roundTrip(z);
    expect(heard.map((e) => e.message.id)).toEqual([m.id]);
  });

  test('in a private room only who may enter it is named: nobody outside hears what is said', async () => {
    const { url } = await startTestServer({ scryptCost: 10 });
    const [owner, guestOf, outsider] = await Promise.all([
      signUp(url, 'owner'),
      signUp(url, 'invited'),
      signUp(url, 'outsider'),
    ]);
    const o = await as(url, owner);
    const i = await as(url, guestOf);
    const x = await as(url, outsider);
    expect((await request(o, 'room:create', { room: 'den', private: true })).ok).toBe(true);
    expect((await request(o, 'room:invite', { room: 'den', username: 'invited' })).ok).toBe(true);
    await joinOk(o, 'den');
    const outsiderHeard = collect<MentionEvent>(x, 'mention');

    const next = waitFor<MentionEvent>(i, 'mention');
    const m = await sendOk(o, 'den', 'secret plans for @invited and @outsider');
    expect(m.mentions?.map((who) => who.id)).toEqual([guestOf.user.id]);
    expect((await next).message.id).toBe(m.id);
    await roundTrip(x);
    expect(outsiderHeard).toEqual([]);
  });
});
