import { expect, test } from 'vitest';
import { signUp } from '../../server/test/support/accounts.js';
import { identity } from '../../server/test/support/client.js';
import { startTestServer } from '../../server/test/support/server.js';
import { ChatUser } from './support/chat-user.js';

// Reports and the operators' standing through the browser client's core, against a real server.

test('a report raises the owner’s count live; resolved, it goes; a member holds no reports', async () => {
  const { url } = await startTestServer();
  const room = 'reported';
  const olga = new ChatUser(url, await identity(url, 'olga'), room);
  await olga.ready();
  const bob = new ChatUser(url, await identity(url, 'bob'), room);
  const spam = new ChatUser(url, await identity(url, 'spam'), room);
  await Promise.all([bob.ready(), spam.ready()]);
  const reports = () => olga.chat.rooms.get(room)?.reports;
  await olga.until(() => reports()?.loaded === true, 15_000, 'the list');
  expect(reports()?.count).toBe(0);

  spam.send('buy now');
  await spam.settled();
  const [bad] = spam.acked;
  if (!bad) throw new Error('not sent');
  await bob.hasShown([bad.id]);
  // One's own message is refused with the server's sentence.
  expect(await spam.chat.reports.reportMessage(room, bad.id, 'me')).toMatch(/own/);
  expect(await bob.chat.reports.reportMessage(room, bad.id, '  spam  ')).toBeUndefined();
  await olga.until(() => reports()?.count === 1, 15_000, 'the live report');
  const [report] = reports()?.list() ?? [];
  expect(report?.reason).toBe('spam');
  expect(reports()?.reportedMessage(bad.id)?.text).toBe('buy now');
  expect(bob.chat.isStaff(room)).toBe(false);
  expect(bob.chat.rooms.get(room)?.reports.count).toBe(0);

  expect(await olga.chat.reports.resolveReport(room, report?.id ?? '')).toBeUndefined();
  expect(reports()?.count).toBe(0);
  // A fresh list agrees.
  expect(await olga.chat.reports.refreshReports(room)).toBeUndefined();
  expect(reports()?.count).toBe(0);
});

test('an operator ranks above the owner and sees the room’s reports', async () => {
  const { url } = await startTestServer({ adminUsers: ['root'], scryptCost: 10 });
  const room = 'ruled';
  const olga = new ChatUser(url, await identity(url, 'olga'), room);
  await olga.ready();
  const root = new ChatUser(url, await signUp(url, 'root'), room);
  await root.ready();
  const olgaId = olga.chat.user.id;

  expect(root.chat.operator).toBe(true);
  expect(olga.chat.operator).toBe(false);
  expect(root.chat.roleIn(room)).toBe('operator');
  expect(root.chat.mayModerate(room, olgaId)).toBe(true);
  // The operator signed up after the owner's page loaded the room's info, so that page does
  // not name them yet and may offer a kick: the server still refuses it.
  expect(await olga.chat.moderation.kick(room, root.chat.user.id)).toMatch(/same rank or higher/);
  await root.until(() => root.chat.rooms.get(room)?.reports.loaded === true, 15_000, 'the list');
  // Site-wide tools are the operators' alone.
  expect(await olga.chat.moderation.deleteRoom(room)).toMatch(/operators/);
  expect(await root.chat.moderation.deleteRoom('general')).toMatch(/general/);
});

test('resolved reports are fetched apart and keep what was reported', async () => {
  const { url } = await startTestServer();
  const room = 'resolved';
  const olga = new ChatUser(url, await identity(url, 'olga'), room);
  await olga.ready();
  const bob = new ChatUser(url, await identity(url, 'bob'), room);
  const ann = new ChatUser(url, await identity(url, 'ann'), room);
  await Promise.all([bob.ready(), ann.ready()]);
  ann.send('rude words');
  await ann.settled();
  const [said] = ann.acked;
  if (!said) throw new Error('not sent');
  await bob.hasShown([said.id]);
  expect(await bob.chat.reports.reportMessage(room, said.id, 'rude')).toBeUndefined();
  const reports = () => olga.chat.rooms.get(room)?.reports;
  await olga.until(() => reports()?.count === 1, 15_000, 'the report');
  const [report] = reports()?.list() ?? [];
  expect(report?.quote).toEqual({ author: said.author, text: 'rude words' });
  expect(await olga.chat.reports.loadResolvedReports(room)).toBeUndefined();
  expect(reports()?.resolvedReports()).toEqual([]);
  expect(await olga.chat.reports.resolveReport(room, report?.id ?? '')).toBeUndefined();
  expect(
    reports()
      ?.resolvedReports()
      ?.map((r) => r.id),
  ).toEqual([report?.id]);
  // A member is no one to list them for.
  expect(await bob.chat.reports.loadResolvedReports(room)).toBeUndefined();
  expect(bob.chat.rooms.get(room)?.reports.resolvedReports()).toBeUndefined();
});
