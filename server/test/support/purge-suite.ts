import { describe, expect, test } from 'vitest';
import type { HistoryStore, Purged } from '../../src/messages/store.js';

export interface PurgeFactoryOptions {
  dedupTtlMs: number;
  now: () => number;
}

const DAY = 86_400_000;

/**
 * What a retention relies on, for every store that purges (memory, SQLite, PostgreSQL): each
 * runs this suite with a factory of fresh, empty stores on the clock it is given.
 */
export function purgeSuite(
  name: string,
  create: (options: PurgeFactoryOptions) => Promise<HistoryStore>,
): void {
  const alice = { id: 'u-alice', name: 'alice' };
  let n = 0;
  const input = (room: string, text: string, clientId = `p${n++}`) => ({
    room,
    author: alice,
    text,
    clientId,
    origin: 'o1',
  });

  /** A store on a clock that starts on day 0 and moves when told. */
  const setUp = async () => {
    const clock = { now: 1_700_000_000_000 };
    const store = await create({ dedupTtlMs: 60 * DAY, now: () => clock.now });
    const purge = (room: string, before: number, max: number): Promise<Purged> => {
      if (!store.purge) throw new Error(`${name} cannot purge`);
      return store.purge(room, before, max);
    };
    return { store, clock, purge, day0: clock.now };
  };

  describe(`purge: ${name}`, () => {
    test('deletes the oldest messages sent before the time, a batch at a time, and keeps the rest', async () => {
      const { store, clock, purge, day0 } = await setUp();
      const old: string[] = [];
      for (let i = 0; i < 5; i++) old.push((await store.append(input('r', `old${i}`))).message.id);
      clock.now = day0 + 10 * DAY;
      const kept: string[] = [];
      for (let i = 0; i < 3; i++) kept.push((await store.append(input('r', `new${i}`))).message.id);
      const cutoff = day0 + 5 * DAY;
      expect((await purge('r', cutoff, 2)).messages).toBe(2);
      expect((await purge('r', cutoff, 2)).messages).toBe(2);
      expect((await purge('r', cutoff, 2)).messages).toBe(1);
      expect((await purge('r', cutoff, 2)).messages).toBe(0);
      const page = await store.latest('r', 50);
      expect(page.messages.map((m) => m.id)).toEqual(kept);
      expect(page.hasMore).toBe(false);
      expect((await store.before('r', kept[0] ?? '', 50)).messages).toEqual([]);
      for (const id of old) expect(await store.get('r', id)).toBeUndefined();
      expect(await store.hasRoom('r')).toBe(true);
    });

    test('a client resuming from a purged position is told of a gap; from a kept one it is not', async () => {
      const { store, clock, purge, day0 } = await setUp();
      const first = (await store.append(input('r', 'a'))).message.id;
      const second = (await store.append(input('r', 'b'))).message.id;
      clock.now = day0 + 10 * DAY;
      const third = (await store.append(input('r', 'c'))).message.id;
      await purge('r', day0 + 5 * DAY, 100);
      expect(await store.after('r', first)).toMatchObject({ gap: true, gapReason: 'trimmed' });
      // The newest purged is where what is held begins: nothing after it was lost.
      const fromEdge = await store.after('r', second);
      expect(fromEdge.gap).toBe(false);
      expect(fromEdge.messages.map((m) => m.id)).toEqual([third]);
      expect(await store.after('r', third)).toMatchObject({ gap: false, messages: [] });
    });

    test('changes made before the time go too; a message sent before goes with its reactions and edits', async () => {
      const { store, clock, purge, day0 } = await setUp();
      const old = (await store.append(input('r', 'typo'))).message;
      const edited = await store.change('r', old.id, {
        kind: 'edit',
        by: alice.id,
        text: 'fixed',
        at: clock.now,
      });
      if (edited.status !== 'changed') throw new Error('the edit was not stored');
      await store.change('r', old.id, {
        kind: 'react',
        by: alice,
        emoji: '👍',
        add: true,
        maxEmoji: 20,
      });
      clock.now = day0 + 10 * DAY;
      const kept = (await store.append(input('r', 'later'))).message;
      const purged = await purge('r', day0 + 5 * DAY, 100);
      expect(purged).toStrictEqual({ messages: 1, changes: 2 });
      expect(await store.get('r', old.id)).toBeUndefined();
      expect(await store.after('r', edited.message.pos ?? '')).toMatchObject({ gap: true });
      expect((await store.latest('r', 10)).messages).toStrictEqual([kept]);
    });

    test('a purged message’s clientId is forgotten: a retry stores it anew', async () => {
      const { store, clock, purge, day0 } = await setUp();
      const first = await store.append(input('r', 'hello', 'same'));
      clock.now = day0 + 10 * DAY;
      await purge('r', day0 + 5 * DAY, 100);
      const again = await store.append(input('r', 'hello', 'same'));
      expect(again.duplicate).toBe(false);
      expect(again.message.id).not.toBe(first.message.id);
      expect((await store.append(input('r', 'hello', 'same'))).duplicate).toBe(true);
    });

    test('replies keep no word of a purged message they quote', async () => {
      const { store, clock, purge, day0 } = await setUp();
      const original = (await store.append(input('r', 'secret words'))).message;
      const quote = { id: original.id, author: original.author, text: 'secret words' };
      clock.now = day0 + 10 * DAY;
      const reply = (await store.append({ ...input('r', 'answer'), replyTo: quote })).message;
      const other = (await store.append(input('r', 'plain'))).message;
      await purge('r', day0 + 5 * DAY, 100);
      const held = await store.get('r', reply.id);
      expect(held?.replyTo).toStrictEqual({
        id: original.id,
        author: original.author,
        text: '',
        deleted: true,
      });
      expect(held?.text).toBe('answer');
      expect(await store.get('r', other.id)).toStrictEqual(other);
    });

    test('a purge touches its room only; a room never written has nothing to purge', async () => {
      const { store, clock, purge, day0 } = await setUp();
      const elsewhere = (await store.append(input('other', 'stays'))).message;
      await store.append(input('r', 'goes'));
      clock.now = day0 + 10 * DAY;
      expect((await purge('r', day0 + 5 * DAY, 100)).messages).toBe(1);
      expect(await store.get('other', elsewhere.id)).toStrictEqual(elsewhere);
      expect(await purge('nowhere', day0 + 5 * DAY, 100)).toStrictEqual({
        messages: 0,
        changes: 0,
      });
    });
  });
}
