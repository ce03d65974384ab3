import { describe, expect, test } from 'vitest';
import {
  AUDIT_MAX,
  REPORTS_MAX,
  type AuditEntry,
  type ModerationStore,
  type ReportFiling,
  type Sanction,
} from '../../src/moderation/store.js';

/**
 * The clock passed to the stores. Redis sweeps sanctions that ended by its own clock, so a
 * `now` far ahead of it keeps these tests about what each store answers at `now`.
 */
export const NOW = Date.UTC(2100, 0, 1);
export const MINUTE = 60_000;

/**
 * Free texts a store must give back exactly: SQL-shaped, a NUL, lone surrogates (which UTF-8
 * cannot hold), one that starts as the text codec's escaped form does, and a long emoji text.
 */
const AWKWARD_TEXTS = [
  "'; DROP TABLE room_settings; --",
  'nul \u0000 inside',
  'lone high \ud83d end',
  '\udc00 lone low first',
  '\uffff starts with the mark',
  '😀'.repeat(2000),
];

const kinds: [string, (store: ModerationStore) => SanctionCalls][] = [
  [
    'ban',
    (s) => ({
      set: (room, userId, sanction) => s.ban(room, userId, sanction),
      lift: (room, userId) => s.unban(room, userId),
      of: (room, userId, now) => s.banOf(room, userId, now),
    }),
  ],
  [
    'mute',
    (s) => ({
      set: (room, userId, sanction) => s.mute(room, userId, sanction),
      lift: (room, userId) => s.unmute(room, userId),
      of: (room, userId, now) => s.muteOf(room, userId, now),
    }),
  ],
];

interface SanctionCalls {
  set(room: string, userId: string, sanction: Sanction): Promise<void>;
  lift(room: string, userId: string): Promise<void>;
  of(room: string, userId: string, now: number): Promise<Sanction | undefined>;
}

/**
 * The behaviour every ModerationStore must have. Each implementation runs this suite with a
 * factory that returns a fresh, empty store (and cleans it up when the test finishes).
 */
export function moderationStoreSuite(name: string, create: () => Promise<ModerationStore>): void {
  describe(`moderation store: ${name}`, () => {
    test('a room is created once; its settings come back as given', async () => {
      const store = await create();
      expect(await store.settings('general')).toBeUndefined();
      const general = { owner: 'ann', private: true, topic: 'hello', createdAt: NOW };
      expect(await store.create('general', general)).toBe(true);
      expect(
        await store.create('general', { owner: 'bob', private: false, createdAt: NOW + 1 }),
      ).toBe(false);
      expect(await store.settings('general')).toStrictEqual(general);
      // A room from before ownership has no owner, and none of these has a topic: both absent.
      expect(await store.create('old', { private: false, createdAt: NOW })).toBe(true);
      expect(await store.settings('old')).toStrictEqual({ private: false, createdAt: NOW });
    });

    test('of five creations of one room at once, exactly one succeeds', async () => {
      const store = await create();
      const owners = ['a', 'b', 'c', 'd', 'e'];
      const created = await Promise.all(
        owners.map((owner) => store.create('race', { owner, private: false, createdAt: NOW })),
      );
      expect(created.filter(Boolean)).toHaveLength(1);
      expect((await store.settings('race'))?.owner).toBe(owners[created.indexOf(true)]);
    });

    test('update sets or removes the topic and changes privacy; a room without settings has none', async () => {
      const store = await create();
      await store.create('general', { owner: 'ann', private: false, createdAt: NOW });
      const withTopic = { owner: 'ann', private: false, topic: 'news', createdAt: NOW };
      expect(await store.update('general', { topic: 'news' })).toStrictEqual(withTopic);
      expect(await store.update('general', { private: true })).toStrictEqual({
        ...withTopic,
        private: true,
      });
      expect(await store.update('general', {})).toStrictEqual({ ...withTopic, private: true });
      const cleared = { owner: 'ann', private: false, createdAt: NOW };
      expect(await store.update('general', { topic: '', private: false })).toStrictEqual(cleared);
      expect(await store.settings('general')).toStrictEqual(cleared);
      expect(await store.update('nowhere', { topic: 'x', private: true })).toBeUndefined();
      expect(await store.settings('nowhere')).toBeUndefined();
    });

    test('a room keeps its own retention until it is removed, and other changes leave it', async () => {
      const store = await create();
      await store.create('general', { owner: 'ann', private: false, createdAt: NOW });
      const kept = { owner: 'ann', private: false, retentionDays: 30, createdAt: NOW };
      expect(await store.update('general', { retentionDays: 30 })).toStrictEqual(kept);
      expect(await store.update('general', { topic: 'news' })).toStrictEqual({
        ...kept,
        topic: 'news',
      });
      expect(await store.settings('general')).toStrictEqual({ ...kept, topic: 'news' });
      expect(await store.update('general', { retentionDays: null, topic: '' })).toStrictEqual({
        owner: 'ann',
        private: false,
        createdAt: NOW,
      });
      // Given when created (as a move from another store does), it is kept as given.
      await store.create('news', { private: true, retentionDays: 7, createdAt: NOW });
      expect(await store.settings('news')).toStrictEqual({
        private: true,
        retentionDays: 7,
        createdAt: NOW,
      });
    });

    test('moderators are made and taken back per room', async () => {
      const store = await create();
      expect(await store.moderators('general')).toEqual([]);
      await store.setRole('general', 'ann', 'moderator');
      await store.setRole('general', 'bob', 'moderator');
      await store.setRole('general', 'ann', 'moderator');
      await store.setRole('dev', 'cid', 'moderator');
      expect((await store.moderators('general')).sort()).toEqual(['ann', 'bob']);
      await store.setRole('general', 'ann', 'member');
      await store.setRole('general', 'nobody', 'member');
      expect(await store.moderators('general')).toEqual(['bob']);
      expect(await store.moderators('dev')).toEqual(['cid']);
    });

    test('an invitation is to one room', async () => {
      const store = await create();
      expect(await store.isInvited('secret', 'ann')).toBe(false);
      await store.invite('secret', 'ann');
      await store.invite('secret', 'ann');
      expect(await store.isInvited('secret', 'ann')).toBe(true);
      expect(await store.isInvited('secret', 'bob')).toBe(false);
      expect(await store.isInvited('other', 'ann')).toBe(false);
    });

    describe.each(kinds)('a %s', (_kind, callsOf) => {
      test('is in force until it ends, or until lifted when it has no end', async () => {
        const s = callsOf(await create());
        const timed = { until: NOW + MINUTE, by: 'mod', reason: 'spam' };
        await s.set('general', 'ann', timed);
        expect(await s.of('general', 'ann', NOW)).toStrictEqual(timed);
        expect(await s.of('general', 'ann', NOW + MINUTE - 1)).toStrictEqual(timed);
        expect(await s.of('general', 'ann', NOW + MINUTE)).toBeUndefined();

        await s.set('general', 'bob', { until: NOW - 1, by: 'mod' });
        expect(await s.of('general', 'bob', NOW)).toBeUndefined();

        // Without a reason, none comes back.
        const lasting = { until: null, by: 'mod' };
        await s.set('general', 'cid', lasting);
        expect(await s.of('general', 'cid', NOW + 1000 * MINUTE)).toStrictEqual(lasting);
        await s.lift('general', 'cid');
        expect(await s.of('general', 'cid', NOW)).toBeUndefined();
        await s.lift('general', 'nobody');
      });

      test('a new one replaces the last, and each room and user has its own', async () => {
        const s = callsOf(await create());
        await s.set('general', 'ann', { until: null, by: 'mod' });
        const shorter = { until: NOW + MINUTE, by: 'owner', reason: 'second thoughts' };
        await s.set('general', 'ann', shorter);
        expect(await s.of('general', 'ann', NOW)).toStrictEqual(shorter);
        expect(await s.of('general', 'ann', NOW + MINUTE)).toBeUndefined();
        expect(await s.of('general', 'bob', NOW)).toBeUndefined();
        expect(await s.of('dev', 'ann', NOW)).toBeUndefined();
        await s.set('dev', 'ann', { until: null, by: 'mod' });
        await s.lift('general', 'ann');
        expect(await s.of('dev', 'ann', NOW)).toStrictEqual({ until: null, by: 'mod' });
      });
    });

    test('a ban is not a mute, nor a mute a ban', async () => {
      const store = await create();
      await store.ban('general', 'ann', { until: null, by: 'mod' });
      await store.mute('general', 'bob', { until: null, by: 'mod' });
      expect(await store.muteOf('general', 'ann', NOW)).toBeUndefined();
      expect(await store.banOf('general', 'bob', NOW)).toBeUndefined();
      await store.unmute('general', 'ann');
      expect(await store.banOf('general', 'ann', NOW)).toEqual({ until: null, by: 'mod' });
    });

    test('the audit lists the newest entries first, at most the limit', async () => {
      const store = await create();
      const entries: AuditEntry[] = [
        { at: NOW, by: 'ann', action: 'create' },
        { at: NOW + 1, by: 'ann', action: 'role', target: 'bob', detail: 'moderator' },
        { at: NOW + 2, by: 'bob', action: 'mute', target: 'cid', detail: '10' },
      ];
      for (const entry of entries) await store.record('general', entry);
      await store.record('dev', { at: NOW, by: 'dan', action: 'create' });
      const newestFirst = [...entries].reverse();
      expect(await store.audit('general', 10)).toStrictEqual(newestFirst);
      expect(await store.audit('general', 2)).toStrictEqual(newestFirst.slice(0, 2));
      expect(await store.audit('general', 0)).toEqual([]);
      expect(await store.audit('dev', 10)).toHaveLength(1);
      expect(await store.audit('nowhere', 10)).toEqual([]);
    });

    test(`the audit keeps the newest ${AUDIT_MAX} entries of a room`, async () => {
      const store = await create();
      for (let i = 0; i < AUDIT_MAX + 5; i++) {
        await store.record('general', { at: NOW + i, by: 'ann', action: 'kick' });
      }
      const kept = await store.audit('general', AUDIT_MAX + 5);
      expect(kept).toHaveLength(AUDIT_MAX);
      expect(kept[0]?.at).toBe(NOW + AUDIT_MAX + 4);
      expect(kept.at(-1)?.at).toBe(NOW + 5);
    });

    describe('reports', () => {
      const filing = (n: number, by = 'ann', messageId = `${NOW}-${n}`): ReportFiling => ({
        id: `r${n}`,
        messageId,
        by,
        reason: `reason ${n}`,
        at: NOW + n,
      });

      test('are listed newest first, per room; one per user and message', async () => {
        const store = await create();
        expect(await store.reports('general', true)).toEqual([]);
        const first = await store.report('general', filing(1));
        expect(first).toStrictEqual({ report: { ...filing(1), room: 'general' }, created: true });
        await store.report('general', filing(2, 'bob', `${NOW}-1`));
        await store.report('dev', filing(3));
        // The same user and message again: the report held, not a second one.
        const again = await store.report('general', { ...filing(4), messageId: `${NOW}-1` });
        expect(again).toStrictEqual({ report: first.report, created: false });
        const open = await store.reports('general', true);
        expect(open.map((r) => r.id)).toEqual(['r2', 'r1']);
        expect(open[1]).toStrictEqual(first.report);
        expect(await store.reports('general', false)).toEqual([]);
        expect((await store.reports('dev', true)).map((r) => r.room)).toEqual(['dev']);
      });

      test('keep the reported message as it was, through its resolution; one filed without has none', async () => {
        const store = await create();
        const quote = {
          author: { id: 'u1', name: 'Spam', guest: true as const },
          text: 'buy **now**\nsecond line',
        };
        const first = await store.report('general', { ...filing(1), quote });
        expect(first.report).toStrictEqual({ ...filing(1), quote, room: 'general' });
        expect((await store.reports('general', true))[0]).toStrictEqual(first.report);
        const resolved = await store.resolve('general', 'r1', 'mod', NOW + 5);
        expect(resolved?.quote).toStrictEqual(quote);
        expect((await store.reports('general', false))[0]).toStrictEqual(resolved);
        // As reports filed before the stores kept quotes read back.
        const bare = await store.report('general', filing(2));
        expect(bare.report).toStrictEqual({ ...filing(2), room: 'general' });
        expect((await store.reports('general', true))[0]).toStrictEqual(bare.report);
      });

      test('resolving one moves it to the resolved list with who and when, once', async () => {
        const store = await create();
        for (const n of [1, 2, 3]) await store.report('general', filing(n));
        const resolved = await store.resolve('general', 'r1', 'mod', NOW + 10);
        expect(resolved).toStrictEqual({
          ...filing(1),
          room: 'general',
          resolved: { by: 'mod', at: NOW + 10 },
        });
        await store.resolve('general', 'r3', 'mod', NOW + 11);
        expect((await store.reports('general', true)).map((r) => r.id)).toEqual(['r2']);
        // Most recently resolved first.
        const done = await store.reports('general', false);
        expect(done.map((r) => r.id)).toEqual(['r3', 'r1']);
        expect(done[1]).toStrictEqual(resolved);
        // Again, by someone else: unchanged.
        expect(await store.resolve('general', 'r1', 'other', NOW + 20)).toStrictEqual(resolved);
        expect(await store.resolve('general', 'nope', 'mod', NOW)).toBeUndefined();
        expect(await store.resolve('dev', 'r2', 'mod', NOW)).toBeUndefined();
        // Reporting the same message again brings back the resolved report.
        const again = await store.report('general', {
          ...filing(9),
          messageId: filing(1).messageId,
        });
        expect(again).toStrictEqual({ report: resolved, created: false });
      });

      test('of five moderators resolving one at once, one is recorded and all see it', async () => {
        const store = await create();
        await store.report('general', filing(1));
        const mods = ['a', 'b', 'c', 'd', 'e'];
        const results = await Promise.all(
          mods.map((by, i) => store.resolve('general', 'r1', by, NOW + i)),
        );
        const winner = results[0]?.resolved;
        expect(winner && mods).toContain(winner?.by);
        for (const r of results) expect(r?.resolved).toStrictEqual(winner);
        expect(await store.reports('general', false)).toHaveLength(1);
      });

      test('of five reports of one message by one user at once, one is filed', async () => {
        const store = await create();
        const results = await Promise.all(
          [1, 2, 3, 4, 5].map((n) => store.report('general', filing(n, 'ann', 'm'))),
        );
        expect(results.filter((r) => r.created)).toHaveLength(1);
        const ids = new Set(results.map((r) => r.report.id));
        expect(ids.size).toBe(1);
        expect(await store.reports('general', true)).toHaveLength(1);
      });

      test(`a room keeps its newest ${REPORTS_MAX} open and ${REPORTS_MAX} resolved reports`, async () => {
        const store = await create();
        const total = REPORTS_MAX + 3;
        for (let n = 0; n < total; n++) await store.report('general', filing(n));
        const open = await store.reports('general', true);
        expect(open).toHaveLength(REPORTS_MAX);
        expect(open[0]?.id).toBe(`r${total - 1}`);
        expect(open.at(-1)?.id).toBe('r3');
        expect(await store.resolve('general', 'r0', 'mod', NOW)).toBeUndefined();
        // Resolved in the order listed, newest first: r502 first, r3 last.
        for (const r of open) await store.resolve('general', r.id, 'mod', NOW);
        expect(await store.reports('general', true)).toEqual([]);
        // A forgotten report is forgotten entirely: its message may be reported again.
        expect((await store.report('general', { ...filing(0), id: 'again' })).created).toBe(true);
        await store.resolve('general', 'again', 'mod', NOW);
        const resolved = await store.reports('general', false);
        expect(resolved).toHaveLength(REPORTS_MAX);
        expect(resolved[0]?.id).toBe('again');
        expect(resolved.at(-1)?.id).toBe(`r${total - 2}`);
        expect(await store.resolve('general', `r${total - 1}`, 'mod', NOW)).toBeUndefined();
      });
    });

    test('free texts come back exactly: SQL-shaped, a NUL, a lone surrogate, 2,000 emoji', async () => {
      const store = await create();
      for (const [i, text] of AWKWARD_TEXTS.entries()) {
        const room = `awkward-${i}`;
        const settings = { owner: 'ann', private: false, topic: text, createdAt: NOW };
        expect(await store.create(room, settings)).toBe(true);
        expect(await store.settings(room)).toStrictEqual(settings);
        // Set by an update, over a plain topic.
        await store.create(`later-${i}`, {
          owner: 'ann',
          private: false,
          topic: 'plain',
          createdAt: NOW,
        });
        expect((await store.update(`later-${i}`, { topic: text }))?.topic).toBe(text);
        expect((await store.settings(`later-${i}`))?.topic).toBe(text);

        const sanction = { until: null, by: 'mod', reason: text };
        await store.ban(room, 'bob', sanction);
        await store.mute(room, 'cid', sanction);
        expect(await store.banOf(room, 'bob', NOW)).toStrictEqual(sanction);
        expect(await store.muteOf(room, 'cid', NOW)).toStrictEqual(sanction);

        const entry: AuditEntry = {
          at: NOW,
          by: 'mod',
          action: 'update',
          target: 'bob',
          detail: text,
        };
        await store.record(room, entry);
        expect(await store.audit(room, 10)).toStrictEqual([entry]);

        const quote = { author: { id: 'u1', name: text }, text };
        const filed: ReportFiling = {
          id: 'r1',
          messageId: 'm1',
          by: 'dan',
          reason: text,
          at: NOW,
          quote,
        };
        expect((await store.report(room, filed)).report).toStrictEqual({ ...filed, room });
        expect(await store.reports(room, true)).toStrictEqual([{ ...filed, room }]);
        const resolved = { ...filed, room, resolved: { by: 'mod', at: NOW + 1 } };
        expect(await store.resolve(room, 'r1', 'mod', NOW + 1)).toStrictEqual(resolved);
        expect(await store.reports(room, false)).toStrictEqual([resolved]);
        expect(await store.report(room, { ...filed, id: 'r2' })).toStrictEqual({
          report: resolved,
          created: false,
        });
      }
    });

    test('every created room is listed until it is forgotten', async () => {
      const store = await create();
      expect(await store.rooms()).toEqual([]);
      await store.create('quiet', { owner: 'ann', private: false, createdAt: NOW });
      await store.create('hidden', { owner: 'ann', private: true, createdAt: NOW });
      // Created twice: listed once.
      await store.create('quiet', { owner: 'bob', private: false, createdAt: NOW });
      expect((await store.rooms()).sort()).toEqual(['hidden', 'quiet']);
      await store.forget('quiet');
      expect(await store.rooms()).toEqual(['hidden']);
    });

    test('forgetting a room forgets everything about it, and nothing of others', async () => {
      const store = await create();
      const fill = async (room: string) => {
        await store.create(room, { owner: 'ann', private: true, topic: 't', createdAt: NOW });
        await store.setRole(room, 'bob', 'moderator');
        await store.invite(room, 'cid');
        await store.ban(room, 'dan', { until: null, by: 'ann' });
        await store.mute(room, 'eve', { until: NOW + MINUTE, by: 'ann' });
        await store.record(room, { at: NOW, by: 'ann', action: 'create' });
        for (const n of [1, 2]) {
          await store.report(room, {
            id: `r${n}`,
            messageId: 'm',
            by: `u${n}`,
            reason: 'x',
            at: NOW,
          });
        }
        await store.resolve(room, 'r1', 'ann', NOW);
      };
      await fill('doomed');
      await fill('kept');
      await store.forget('doomed');
      expect(await store.settings('doomed')).toBeUndefined();
      expect(await store.moderators('doomed')).toEqual([]);
      expect(await store.isInvited('doomed', 'cid')).toBe(false);
      expect(await store.banOf('doomed', 'dan', NOW)).toBeUndefined();
      expect(await store.muteOf('doomed', 'eve', NOW)).toBeUndefined();
      expect(await store.audit('doomed', 10)).toEqual([]);
      expect(await store.reports('doomed', true)).toEqual([]);
      expect(await store.reports('doomed', false)).toEqual([]);
      expect(await store.settings('kept')).toBeDefined();
      expect(await store.moderators('kept')).toEqual(['bob']);
      expect(await store.isInvited('kept', 'cid')).toBe(true);
      expect(await store.banOf('kept', 'dan', NOW)).toBeDefined();
      expect(await store.muteOf('kept', 'eve', NOW)).toBeDefined();
      expect(await store.audit('kept', 10)).toHaveLength(1);
      expect(await store.reports('kept', true)).toHaveLength(1);
      expect(await store.reports('kept', false)).toHaveLength(1);
      // The room can be created afresh.
      expect(await store.create('doomed', { private: false, createdAt: NOW })).toBe(true);
    });
  });
}
