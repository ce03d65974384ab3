import { expect, test } from 'vitest';
import { signUp } from '../../server/test/support/accounts.js';
import { identity } from '../../server/test/support/client.js';
import { startTestServer } from '../../server/test/support/server.js';
import { joinProblemText, noticeText } from '../src/ui/notice-text.js';
import { ChatUser } from './support/chat-user.js';

// Roles and moderation through the browser client's core, against a real server.

const alertOf = (u: ChatUser): string | undefined =>
  u.chat.joinError && joinProblemText(u.chat.joinError, Date.now());

const ISO_TIME = /\d{4}-\d\d-\d\dT/;

const noticesOf = (u: ChatUser): string[] =>
  (u.chat.rooms.get(u.room)?.timeline.items ?? []).flatMap((i) =>
    i.kind === 'notice' ? [noticeText(i.notice)] : [],
  );

test('an owner mutes, promotes and bans; each side sees the notices, the roles and the refusals', async () => {
  const { url } = await startTestServer();
  const room = 'modroom';
  // Whoever opens a new room owns it.
  const olga = new ChatUser(url, await identity(url, 'olga'), room);
  await olga.ready();
  const mona = new ChatUser(url, await identity(url, 'mona'), room);
  const spam = new ChatUser(url, await identity(url, 'spam'), room);
  await Promise.all([mona.ready(), spam.ready()]);
  const monaId = mona.chat.user.id;
  const spamId = spam.chat.user.id;
  await olga.until(() => olga.members.size === 3);

  expect(olga.chat.roleIn(room)).toBe('owner');
  expect(spam.chat.roleIn(room, olga.chat.user.id)).toBe('owner');
  expect(olga.chat.mayModerate(room, spamId)).toBe(true);
  expect(spam.chat.mayModerate(room, olga.chat.user.id)).toBe(false);
  // A member's attempt comes back as the server's sentence.
  expect(await spam.chat.moderation.kick(room, monaId)).toMatch(/moderators/);

  // Muted: the next message fails with the server's sentence, and is not retried.
  expect(await olga.chat.moderation.mute(room, spamId, 10)).toBeUndefined();
  await spam.until(() => noticesOf(spam).includes('olga muted you for 10 minutes'));
  // The muted user's client knows its own mute and its end (the composer says so).
  const spamRoom = spam.chat.rooms.get(room);
  const mutedUntil = spamRoom?.muteOf(spamId, Date.now())?.until ?? 0;
  expect(mutedUntil - Date.now()).toBeGreaterThan(9 * 60_000);
  spam.send('buy now');
  await spam.until(() => spam.chat.outbox[0]?.status === 'failed', 15_000, 'the refusal');
  // The server's sentence says how long, not a clock time in UTC; the end goes as data.
  expect(spam.chat.outbox[0]?.error).toMatch(/^You are muted here for (9|10) more minutes\.$/);
  expect(spam.chat.outbox[0]?.error).not.toMatch(ISO_TIME);
  expect(spam.chat.outbox[0]?.refusal?.until).toBe(mutedUntil);
  expect(spam.chat.outbox[0]?.attempts).toBe(0);
  expect(await olga.chat.moderation.unmute(room, spamId)).toBeUndefined();
  await spam.until(() => spamRoom?.muteOf(spamId, Date.now()) === undefined, 15_000, 'the unmute');
  spam.chat.retry(spam.chat.outbox[0]?.clientId ?? '');
  await spam.settled();
  const [spamMessage] = spam.acked;
  if (!spamMessage) throw new Error('not sent');

  // A moderator (not the owner) removes a member's message; everyone sees who did it.
  expect(await olga.chat.moderation.setRole(room, monaId, 'moderator')).toBeUndefined();
  await mona.until(() => mona.chat.roleIn(room) === 'moderator');
  expect(noticesOf(mona)).toContain('You are now a moderator');
  await spam.until(() => noticesOf(spam).includes('mona is now a moderator'));
  expect(mona.chat.mayModerate(room, spamId)).toBe(true);
  expect(mona.chat.mayModerate(room, olga.chat.user.id)).toBe(false);
  await mona.hasShown([spamMessage.id]);
  expect(await mona.chat.deleteMessage(room, spamMessage.id)).toBeUndefined();
  expect(mona.shown.get(spamMessage.id)?.removedByModerator).toBe(true);
  for (const u of [olga, spam]) {
    await u.until(
      () => u.shown.get(spamMessage.id)?.removedByModerator === true,
      15_000,
      'the moderator’s removal',
    );
  }

  // The topic reaches everyone's copy of the room's info.
  expect(await mona.chat.moderation.updateRoom(room, { topic: 'Releases only' })).toBeUndefined();
  await spam.until(() => noticesOf(spam).includes('mona changed the topic to “Releases only”'));
  expect(spam.chat.rooms.get(room)?.info?.topic).toBe('Releases only');

  // Banned: out of the room with the reason; a rejoin is refused with the ban's sentence.
  expect(await mona.chat.moderation.ban(room, spamId, 10, 'flooding')).toBeUndefined();
  await spam.until(() => !spam.chat.rooms.has(room), 15_000, 'the removal');
  expect(alertOf(spam)).toMatch(/^mona banned you from modroom until .+: flooding$/);
  await olga.until(() => noticesOf(olga).includes('mona banned spam for 10 minutes: flooding'));
  expect(olga.chat.rooms.get(room)?.banned.get(spamId)?.member.name).toBe('spam');
  await spam.chat.join(room);
  expect(alertOf(spam)).toMatch(
    /^You are banned from this room until .*\d\d:\d\d.*, in (9|10) minutes\.$/,
  );
  expect(spam.chat.joinError?.type === 'refused' && spam.chat.joinError.message).toMatch(
    /^You are banned from this room for (9|10) more minutes\.$/,
  );
  expect(spam.chat.rooms.has(room)).toBe(false);

  expect(await olga.chat.moderation.unban(room, spamId)).toBeUndefined();
  expect(olga.chat.rooms.get(room)?.banned.has(spamId)).toBe(false);
  await spam.chat.join(room);
  await spam.until(() => spam.chat.rooms.get(room)?.joined === true);
  expect(spam.chat.joinError).toBeUndefined();
});

test('every page knows an operator for one: the owner is offered nothing on them, and ranks below', async () => {
  const { url } = await startTestServer({ adminUsers: ['root'], scryptCost: 10 });
  const room = 'oproom';
  // The operator's account exists before the owner's page loads the room's info.
  const rootAccount = await signUp(url, 'root');
  const olga = new ChatUser(url, await signUp(url, 'olga'), room);
  await olga.ready();
  const root = new ChatUser(url, rootAccount, room);
  await root.ready();
  await olga.until(() => olga.members.size === 2);
  const rootId = root.chat.user.id;
  const olgaId = olga.chat.user.id;
  expect(olga.chat.roleIn(room)).toBe('owner');
  expect(olga.chat.roleIn(room, rootId)).toBe('operator');
  expect(olga.chat.mayModerate(room, rootId)).toBe(false);
  expect(root.chat.roleIn(room)).toBe('operator');
  expect(root.chat.mayModerate(room, olgaId)).toBe(true);
  // What the page offers agrees with the server: the owner's kick is refused, the operator's not.
  expect(await olga.chat.moderation.kick(room, rootId)).toMatch(/same rank or higher/);
  expect(await root.chat.moderation.mute(room, olgaId, 5)).toBeUndefined();
});

test('an owner creates a private room, invites by username, reads the audit; an operator lifts a suspension', async () => {
  const { url } = await startTestServer({ adminUsers: ['root'], scryptCost: 10 });
  const olga = new ChatUser(url, await signUp(url, 'olga'), 'general');
  const gina = new ChatUser(url, await signUp(url, 'gina', 'Gina'), 'general');
  const root = new ChatUser(url, await signUp(url, 'root'), 'general');
  await Promise.all([olga.ready(), gina.ready(), root.ready()]);

  expect(await olga.chat.createRoom('secret', { private: true, topic: ' plans ' })).toBeUndefined();
  expect(olga.chat.current).toBe('secret');
  await olga.until(() => olga.chat.rooms.get('secret')?.joined === true);
  expect(olga.chat.rooms.get('secret')?.info).toMatchObject({ private: true, topic: 'plans' });
  expect(await gina.chat.createRoom('secret', { private: false, topic: '' })).toMatch(/exists/);

  await gina.chat.join('secret');
  expect(alertOf(gina)).toMatch(/private/);
  expect(await gina.chat.moderation.invite('secret', { username: 'gina' })).toMatch(/moderators/);
  expect(await olga.chat.moderation.invite('secret', { username: 'gina' })).toBeUndefined();
  await gina.chat.join('secret');
  await gina.until(() => gina.chat.rooms.get('secret')?.joined === true);

  const audit = await olga.chat.moderation.readAudit('secret');
  if (typeof audit === 'string') throw new Error(audit);
  expect(audit.entries.map((e) => e.action)).toEqual(['invite', 'create']);
  expect(audit.people.map((p) => p.name).sort()).toEqual(['Gina', 'olga']);
  expect(await gina.chat.moderation.readAudit('secret')).toMatch(/moderators/);

  expect(await root.chat.moderation.liftSuspension('gina')).toBeUndefined();
  expect(await olga.chat.moderation.liftSuspension('gina')).toMatch(/operators/);
});
