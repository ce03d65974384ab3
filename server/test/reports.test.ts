import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  ErrorCode,
  Limits,
  type ReportEvent,
  type ReportResolvedEvent,
} from '../../common/contract.js';
import type { Config } from '../src/config.js';
import { signUp, type SignedIn } from './support/accounts.js';
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
import { newDeployment, startNode } from './support/cluster.js';
import { RedisProcess } from './support/redis.js';
import { startTestServer } from './support/server.js';

const as = (url: string, who: SignedIn) => connect(url, { session: who.token });

const code = (ack: { ok: boolean; error?: { code: string } }) =>
  ack.ok ? 'ok' : (ack.error?.code ?? '');

/** A server where olga owns `den`, mona moderates it, and mike and spam are members in it. */
async function room(overrides: Partial<Config> = {}, now?: () => number) {
  const { url } = await startTestServer({ scryptCost: 10, ...overrides }, now ? { now } : {});
  const named = async (name: string) => {
    const who = await signUp(url, name);
    return { who, socket: await as(url, who) };
  };
  const owner = await named('olga');
  const mod = await named('mona');
  const member = await named('mike');
  const spam = await named('spam');
  for (const p of [owner, mod, member, spam]) await joinOk(p.socket, 'den');
  const role = await request(owner.socket, 'room:role', {
    room: 'den',
    userId: mod.who.user.id,
    role: 'moderator',
  });
  expect(role.ok).toBe(true);
  return { url, owner, mod, member, spam };
}

describe('message:report', () => {
  test('reaches every connection of the owner and the moderators, in the room or not; a repeat is the same report', async () => {
    const { url, owner, mod, member, spam } = await room();
    const bad = await sendOk(spam.socket, 'den', 'buy cheap watches');
    // A tab of the owner's that never joined the room hears of it too.
    const elsewhere = await as(url, owner.who);
    const heard = [owner.socket, mod.socket, elsewhere].map((s) =>
      waitFor<ReportEvent>(s, 'report'),
    );
    const notHeard = [member.socket, spam.socket].map((s) => collect<ReportEvent>(s, 'report'));
    const ack = await request(member.socket, 'message:report', {
      room: 'den',
      id: bad.id,
      reason: '  spam  ',
    });
    if (!ack.ok) throw new Error(ack.error.code);
    expect(ack.report).toEqual({
      id: ack.report.id,
      room: 'den',
      messageId: bad.id,
      by: member.who.user.id,
      reason: 'spam',
      at: ack.report.at,
      quote: { author: bad.author, text: 'buy cheap watches' },
    });
    for (const event of await Promise.all(heard)) {
      expect(event).toEqual({ report: ack.report, message: bad });
    }

    // The same user and message again: the same report, and nobody is told twice.
    const seen = [owner.socket, mod.socket].map((s) => collect<ReportEvent>(s, 'report'));
    const again = await request(member.socket, 'message:report', {
      room: 'den',
      id: bad.id,
      reason: 'really spam',
    });
    expect(again).toEqual({ ok: true, report: ack.report });
    for (const s of [owner.socket, mod.socket, member.socket, spam.socket]) await roundTrip(s);
    expect(seen.flat()).toEqual([]);
    expect(notHeard.flat()).toEqual([]);
    const list = await request(mod.socket, 'reports:list', { room: 'den' });
    expect(list.ok && list.reports).toEqual([ack.report]);

    // Someone else reporting the same message is a report of its own.
    const other = await request(owner.socket, 'message:report', {
      room: 'den',
      id: bad.id,
      reason: 'seen it too',
    });
    expect(other.ok && other.report.id).not.toBe(ack.report.id);
  });

  test('is refused with each code of the contract', async () => {
    const time = { now: () => 1_800_000_000_000 };
    // A clock that stands still: the message bucket never refills.
    const { url, owner, member, spam } = await room({ messageBurst: 5 }, time.now);
    const said = await sendOk(spam.socket, 'den', 'hello');
    const own = await sendOk(member.socket, 'den', 'mine');
    const gone = await sendOk(spam.socket, 'den', 'gone soon');
    expect((await request(spam.socket, 'message:delete', { room: 'den', id: gone.id })).ok).toBe(
      true,
    );
    const report = (payload: object) => emitRaw(member.socket, 'message:report', payload);
    const refusals: [object, string][] = [
      [{ room: 'den', id: said.id, reason: '' }, ErrorCode.BAD_REQUEST],
      [{ room: 'den', id: said.id, reason: '   ' }, ErrorCode.BAD_REQUEST],
      [
        { room: 'den', id: said.id, reason: 'x'.repeat(Limits.reasonMaxLength + 1) },
        ErrorCode.BAD_REQUEST,
      ],
      [{ room: 'den', reason: 'spam' }, ErrorCode.BAD_REQUEST],
      [{ room: 'Den!', id: said.id, reason: 'spam' }, ErrorCode.INVALID_ROOM],
      [{ room: 'elsewhere', id: said.id, reason: 'spam' }, ErrorCode.NOT_IN_ROOM],
      // With "mine" sent, these four pass the rate limit and empty the bucket (burst 5)…
      [{ room: 'den', id: '1-1', reason: 'spam' }, ErrorCode.NOT_FOUND],
      [{ room: 'den', id: gone.id, reason: 'spam' }, ErrorCode.NOT_FOUND],
      [{ room: 'den', id: own.id, reason: 'spam' }, ErrorCode.NOT_ALLOWED],
      [{ room: 'den', id: said.id, reason: 'x'.repeat(Limits.reasonMaxLength) }, 'ok'],
      // …so the next is refused.
      [{ room: 'den', id: said.id, reason: 'spam' }, ErrorCode.RATE_LIMITED],
    ];
    for (const [payload, expected] of refusals) {
      expect(code((await report(payload)) as { ok: boolean }), JSON.stringify(payload)).toBe(
        expected,
      );
    }

    // A direct conversation has nobody to report to.
    const dm = await request(owner.socket, 'dm:open', { users: [spam.who.user.id] });
    if (!dm.ok) throw new Error(dm.error.code);
    const spamAgain = await as(url, spam.who);
    await joinOk(owner.socket, dm.room);
    await joinOk(spamAgain, dm.room);
    const private_ = await sendOk(spamAgain, dm.room, 'psst');
    expect(
      code(
        await request(owner.socket, 'message:report', {
          room: dm.room,
          id: private_.id,
          reason: 'spam',
        }),
      ),
    ).toBe(ErrorCode.NOT_ALLOWED);
  });
});

describe('reports:list and report:resolve', () => {
  test('only the owner and moderators list and resolve; a resolved report leaves the open list', async () => {
    const { owner, mod, member, spam } = await room();
    const first = await sendOk(spam.socket, 'den', 'first');
    const second = await sendOk(spam.socket, 'den', 'second');
    const filed = [];
    for (const m of [first, second]) {
      const ack = await request(member.socket, 'message:report', {
        room: 'den',
        id: m.id,
        reason: 'spam',
      });
      if (!ack.ok) throw new Error(ack.error.code);
      filed.push(ack.report);
    }
    const [older, newer] = filed;
    if (!older || !newer) throw new Error('two reports expected');

    // A member (the reporter included) may neither list nor resolve.
    expect(code(await request(member.socket, 'reports:list', { room: 'den' }))).toBe(
      ErrorCode.NOT_MODERATOR,
    );
    expect(
      code(await request(member.socket, 'report:resolve', { room: 'den', reportId: older.id })),
    ).toBe(ErrorCode.NOT_MODERATOR);
    expect(code(await request(mod.socket, 'reports:list', { room: 'No Such' }))).toBe(
      ErrorCode.INVALID_ROOM,
    );
    expect(await emitRaw(mod.socket, 'report:resolve', { room: 'den' })).toMatchObject({
      ok: false,
      error: { code: ErrorCode.BAD_REQUEST },
    });
    expect(
      code(await request(mod.socket, 'report:resolve', { room: 'den', reportId: 'unknown' })),
    ).toBe(ErrorCode.NOT_FOUND);

    const open = await request(owner.socket, 'reports:list', { room: 'den' });
    expect(open.ok && open.reports).toEqual([newer, older]);

    const told = waitFor<ReportResolvedEvent>(owner.socket, 'report:resolved');
    const resolved = await request(mod.socket, 'report:resolve', {
      room: 'den',
      reportId: older.id,
    });
    if (!resolved.ok) throw new Error(resolved.error.code);
    expect(resolved.report).toEqual({
      ...older,
      resolved: { by: mod.who.user.id, at: resolved.report.resolved?.at },
    });
    expect(await told).toEqual({ report: resolved.report });

    const stillOpen = await request(mod.socket, 'reports:list', { room: 'den', open: true });
    expect(stillOpen.ok && stillOpen.reports).toEqual([newer]);
    const done = await request(mod.socket, 'reports:list', { room: 'den', open: false });
    expect(done.ok && done.reports).toEqual([resolved.report]);

    // Resolving it again, by the owner: the first resolution stands, and is recorded once.
    const again = await request(owner.socket, 'report:resolve', {
      room: 'den',
      reportId: older.id,
    });
    expect(again).toEqual({ ok: true, report: resolved.report });
    const audit = await request(owner.socket, 'room:audit', { room: 'den' });
    if (!audit.ok) throw new Error(audit.error.code);
    expect(audit.entries.filter((e) => e.action === 'resolve-report')).toEqual([
      {
        at: resolved.report.resolved?.at,
        by: mod.who.user.id,
        action: 'resolve-report',
        target: member.who.user.id,
        detail: older.id,
      },
    ]);
  });

  test('a report keeps what was reported: the list shows it after the message is edited and deleted', async () => {
    const { owner, member, spam } = await room();
    const said = await sendOk(spam.socket, 'den', 'send me your password');
    const ack = await request(member.socket, 'message:report', {
      room: 'den',
      id: said.id,
      reason: 'phishing',
    });
    if (!ack.ok) throw new Error(ack.error.code);
    const quote = { author: said.author, text: 'send me your password' };
    expect(ack.report.quote).toEqual(quote);
    // The author covers their tracks: an edit, then the deletion.
    await request(spam.socket, 'message:edit', { room: 'den', id: said.id, text: 'hello' });
    await request(spam.socket, 'message:delete', { room: 'den', id: said.id });
    const open = await request(owner.socket, 'reports:list', { room: 'den' });
    expect(open.ok && open.reports.map((r) => r.quote)).toEqual([quote]);
    const resolved = await request(owner.socket, 'report:resolve', {
      room: 'den',
      reportId: ack.report.id,
    });
    expect(resolved.ok && resolved.report.quote).toEqual(quote);
    const done = await request(owner.socket, 'reports:list', { room: 'den', open: false });
    expect(done.ok && done.reports.map((r) => r.quote)).toEqual([quote]);
  });

  test('an operator named in ADMIN_USERS lists and resolves the reports of any room', async () => {
    const { url, member, spam } = await room({ adminUsers: ['root'] });
    const root = await as(url, await signUp(url, 'root'));
    const said = await sendOk(spam.socket, 'den', 'nonsense');
    const ack = await request(member.socket, 'message:report', {
      room: 'den',
      id: said.id,
      reason: 'rude',
    });
    if (!ack.ok) throw new Error(ack.error.code);
    const list = await request(root, 'reports:list', { room: 'den' });
    expect(list.ok && list.reports).toEqual([ack.report]);
    const resolved = await request(root, 'report:resolve', {
      room: 'den',
      reportId: ack.report.id,
    });
    expect(resolved.ok).toBe(true);
  });
});

describe('across two nodes', () => {
  const redis = new RedisProcess();
  beforeAll(() => redis.start());
  afterAll(() => redis.stop());

  test('a report on one node reaches every connection of an operator on either node, in the room or not, and so does its resolution', async () => {
    const deployment = newDeployment();
    const settings = { scryptCost: 10, adminUsers: ['root'] };
    const n1 = await startNode(redis.url, deployment, settings);
    const n2 = await startNode(redis.url, deployment, settings);
    const root = await signUp(n1.url, 'root');
    const olga = await signUp(n1.url, 'olga');
    const mike = await signUp(n1.url, 'mike');
    const spam = await signUp(n1.url, 'spam');
    const owner = await as(n1.url, olga);
    await joinOk(owner, 'den');
    // The operator has a tab on each node, neither of them in the room.
    const operatorTabs = [await as(n2.url, root), await as(n1.url, root)];
    const reporter = await as(n1.url, mike);
    const author = await as(n1.url, spam);
    await joinOk(reporter, 'den');
    await joinOk(author, 'den');
    const bad = await sendOk(author, 'den', 'spam spam spam');

    const heard = operatorTabs.map((t) => waitFor<ReportEvent>(t, 'report'));
    const notHeard = collect<ReportEvent>(author, 'report');
    const started = Date.now();
    const ack = await request(reporter, 'message:report', {
      room: 'den',
      id: bad.id,
      reason: 'spam',
    });
    if (!ack.ok) throw new Error(ack.error.code);
    for (const event of await Promise.all(heard)) {
      expect(event).toEqual({ report: ack.report, message: bad });
    }
    expect(Date.now() - started).toBeLessThan(1000);

    const told = operatorTabs.map((t) => waitFor<ReportResolvedEvent>(t, 'report:resolved'));
    const resolved = await request(owner, 'report:resolve', {
      room: 'den',
      reportId: ack.report.id,
    });
    if (!resolved.ok) throw new Error(resolved.error.code);
    for (const event of await Promise.all(told)) expect(event).toEqual({ report: resolved.report });
    await roundTrip(author);
    expect(notHeard).toEqual([]);
  });

  test('a report on one node reaches a moderator on the other within a second, and so does its resolution', async () => {
    const deployment = newDeployment();
    const n1 = await startNode(redis.url, deployment, { scryptCost: 10 });
    const n2 = await startNode(redis.url, deployment, { scryptCost: 10 });
    const olga = await signUp(n1.url, 'olga');
    const mona = await signUp(n1.url, 'mona');
    const mike = await signUp(n1.url, 'mike');
    const spam = await signUp(n1.url, 'spam');
    const owner = await as(n1.url, olga);
    await joinOk(owner, 'den');
    const role = await request(owner, 'room:role', {
      room: 'den',
      userId: mona.user.id,
      role: 'moderator',
    });
    expect(role.ok).toBe(true);
    // The moderator is on the other node, and not even in the room.
    const mod: ChatClient = await as(n2.url, mona);
    const reporter = await as(n1.url, mike);
    const author = await as(n1.url, spam);
    await joinOk(reporter, 'den');
    await joinOk(author, 'den');
    const bad = await sendOk(author, 'den', 'spam spam spam');

    const heard = waitFor<ReportEvent>(mod, 'report');
    const started = Date.now();
    const ack = await request(reporter, 'message:report', {
      room: 'den',
      id: bad.id,
      reason: 'spam',
    });
    if (!ack.ok) throw new Error(ack.error.code);
    expect(await heard).toEqual({ report: ack.report, message: bad });
    expect(Date.now() - started).toBeLessThan(1000);

    // The other node reads the same reports, and a repeat there is the same report.
    const elsewhere = await as(n2.url, mike);
    await joinOk(elsewhere, 'den');
    const again = await request(elsewhere, 'message:report', {
      room: 'den',
      id: bad.id,
      reason: 'again',
    });
    expect(again).toEqual({ ok: true, report: ack.report });

    const ownerTold = waitFor<ReportResolvedEvent>(owner, 'report:resolved');
    const resolved = await request(mod, 'report:resolve', { room: 'den', reportId: ack.report.id });
    if (!resolved.ok) throw new Error(resolved.error.code);
    expect(await ownerTold).toEqual({ report: resolved.report });
    const open = await request(owner, 'reports:list', { room: 'den' });
    expect(open.ok && open.reports).toEqual([]);
  });
});
