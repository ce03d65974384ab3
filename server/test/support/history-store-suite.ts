import { describe, expect, test } from 'vitest';
import {
  InvalidCursorError,
  positionOf,
  type HistoryStore,
  type MessageChange,
} from '../../src/messages/store.js';

export interface StoreFactoryOptions {
  limit: number;
  dedupTtlMs: number;
}

/**
 * The behaviour every HistoryStore must have. Each implementation runs this suite with a
 * factory that returns a fresh, empty store (and cleans it up when the test finishes).
 */
export function historyStoreSuite(
  name: string,
  create: (options: StoreFactoryOptions) => Promise<HistoryStore>,
  /** How many messages past the limit the store may keep (Redis trims approximately). */
  trimSlack = 0,
): void {
  const author = { id: 'u-alice', name: 'alice' };
  let n = 0;
  const input = (room: string, text: string) => ({
    room,
    author,
    text,
    clientId: `id${n++}`,
    origin: 'o1',
  });
  const fill = async (store: HistoryStore, room: string, count: number) => {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) ids.push((await store.append(input(room, `m${i}`))).message.id);
    return ids;
  };

  describe(`history store: ${name}`, () => {
    test('append returns the stored message with an id and a time', async () => {
      const store = await create({ limit: 10, dedupTtlMs: 60_000 });
      const before = Date.now();
      const { message, duplicate } = await store.append(input('r1', 'hello'));
      expect(duplicate).toBe(false);
      expect(message).toMatchObject({ room: 'r1', author, text: 'hello' });
      expect(typeof message.id).toBe('string');
      expect(message.ts).toBeGreaterThanOrEqual(before - 1000);
      expect(message.ts).toBeLessThanOrEqual(Date.now() + 1000);
    });

    test('latest returns the newest messages, oldest first, with hasMore', async () => {
      const store = await create({ limit: 100, dedupTtlMs: 60_000 });
      const ids = await fill(store, 'r1', 7);
      const page = await store.latest('r1', 5);
      expect(page.messages.map((m) => m.id)).toEqual(ids.slice(2));
      expect(page.messages.map((m) => m.text)).toEqual(['m2', 'm3', 'm4', 'm5', 'm6']);
      expect(page.hasMore).toBe(true);
      const all = await store.latest('r1', 50);
      expect(all.messages).toHaveLength(7);
      expect(all.hasMore).toBe(false);
      expect(await store.latest('empty', 5)).toEqual({ messages: [], hasMore: false });
    });

    test('rooms are independent', async () => {
      const store = await create({ limit: 100, dedupTtlMs: 60_000 });
      await fill(store, 'a', 2);
      await fill(store, 'b', 3);
      expect((await store.latest('a', 10)).messages).toHaveLength(2);
      expect((await store.latest('b', 10)).messages).toHaveLength(3);
      expect((await store.rooms()).sort()).toEqual(['a', 'b']);
    });

    test('each room reports its newest activity; a deleted room is gone, retries and all', async () => {
      const store = await create({ limit: 100, dedupTtlMs: 60_000 });
      await fill(store, 'a', 2);
      const [newest] = await fill(store, 'b', 1);
      const activity = await store.roomActivity();
      expect([...activity.keys()].sort()).toEqual(['a', 'b']);
      const b = (await store.latest('b', 1)).messages[0];
      expect(activity.get('b')).toBe(b?.ts);
      expect(b?.id).toBe(newest);
      await store.deleteRoom('a');
      expect(await store.hasRoom('a')).toBe(false);
      expect(await store.hasRoom('b')).toBe(true);
      expect(await store.rooms()).toEqual(['b']);
      expect([...(await store.roomActivity()).keys()]).toEqual(['b']);
      // A room created afresh under the same name starts empty.
      await fill(store, 'a', 1);
      expect((await store.latest('a', 10)).messages).toHaveLength(1);
    });

    test('ids are strictly increasing within a room, even within one millisecond', async () => {
      const store = await create({ limit: 1000, dedupTtlMs: 60_000 });
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) => store.append(input('r1', `m${i}`))),
      );
      const page = await store.latest('r1', 1000);
      expect(page.messages.map((m) => m.text)).toEqual(results.map((r) => r.message.text));
      const ids = page.messages.map((m) => m.id);
      expect(new Set(ids).size).toBe(200);
      // Each id must be replayable from the previous one: that is the order clients rely on.
      for (let i = 0; i < ids.length - 1; i++) {
        const replay = await store.after('r1', ids[i] ?? '');
        expect(replay.messages[0]?.id).toBe(ids[i + 1]);
      }
    });

    test('the same clientId in the same room is stored once', async () => {
      const store = await create({ limit: 100, dedupTtlMs: 60_000 });
      const first = await store.append({
        room: 'r1',
        author,
        text: 'once',
        clientId: 'dup',
        origin: 'o1',
      });
      const again = await store.append({
        room: 'r1',
        author,
        text: 'once',
        clientId: 'dup',
        origin: 'o2',
      });
      // The origin is the connection that stored it first, not the one retrying.
      expect(first.origin).toBe('o1');
      expect(again.origin).toBe('o1');
      expect(again.duplicate).toBe(true);
      expect(again.message).toEqual(first.message);
      expect((await store.latest('r1', 10)).messages).toHaveLength(1);
      // Another room, or another author (even of the same name), is another message.
      const other = await store.append({
        room: 'r2',
        author,
        text: 'once',
        clientId: 'dup',
        origin: 'o1',
      });
      expect(other.duplicate).toBe(false);
      const bob = await store.append({
        room: 'r1',
        author: { id: 'u-other', name: 'alice' },
        text: 'once',
        clientId: 'dup',
        origin: 'o1',
      });
      expect(bob.duplicate).toBe(false);
      // The same author under a new name (renamed between a send and its retry) is the same key.
      const renamed = await store.append({
        room: 'r1',
        author: { ...author, name: 'alice renamed' },
        text: 'once',
        clientId: 'dup',
        origin: 'o3',
      });
      expect(renamed.duplicate).toBe(true);
      expect(renamed.message).toEqual(first.message);
    });

    test('authors keep their id and marks; a bot never shares a clientId with a person of its name', async () => {
      const store = await create({ limit: 100, dedupTtlMs: 60_000 });
      const botAuthor = { id: 'bot:monitor', name: 'monitor', bot: true as const };
      const personAuthor = { id: 'u-monitor', name: 'monitor' };
      const guestAuthor = { id: 'g-1', name: 'visitor', guest: true as const };
      const bot = await store.append({
        room: 'r1',
        author: botAuthor,
        text: 'disk full',
        clientId: 'same',
        origin: 'push-api',
      });
      const person = await store.append({
        room: 'r1',
        author: personAuthor,
        text: 'hello',
        clientId: 'same',
        origin: 'o1',
      });
      const guest = await store.append({
        room: 'r1',
        author: guestAuthor,
        text: 'hi',
        clientId: 'g',
        origin: 'o2',
      });
      expect(bot.message.author).toEqual(botAuthor);
      expect(person.duplicate).toBe(false);
      expect(person.message.author).toEqual(personAuthor);
      expect(guest.message.author).toEqual(guestAuthor);
      const held = (await store.latest('r1', 10)).messages;
      expect(held.map((m) => m.author)).toEqual([botAuthor, personAuthor, guestAuthor]);
      expect((await store.after('r1', bot.message.id)).messages.map((m) => m.author)).toEqual([
        personAuthor,
        guestAuthor,
      ]);
    });

    test('a new message names the one stored before it in its room; a retry names none', async () => {
      const store = await create({ limit: 2, dedupTtlMs: 60_000 });
      const one = await store.append(input('r1', 'one'));
      expect(one.prev).toBeUndefined();
      const two = await store.append(input('r1', 'two'));
      expect(two.prev).toBe(one.message.id);
      const elsewhere = await store.append(input('r2', 'other room'));
      expect(elsewhere.prev).toBeUndefined();
      const three = await store.append(input('r1', 'three'));
      expect(three.prev).toBe(two.message.id);
      // Past the limit the oldest are trimmed; the chain still names the newest held.
      const four = await store.append(input('r1', 'four'));
      expect(four.prev).toBe(three.message.id);
      const retry = await store.append({ ...input('r1', 'four'), clientId: 'again' });
      const again = await store.append({ ...input('r1', 'four'), clientId: 'again' });
      expect(retry.prev).toBe(four.message.id);
      expect(again.duplicate).toBe(true);
      expect(again.prev).toBeUndefined();
    });

    test('appends made together keep their order and chain; a read made meanwhile sees them', async () => {
      const store = await create({ limit: 100, dedupTtlMs: 60_000 });
      const rooms = ['r1', 'r2'];
      const made = Array.from({ length: 20 }, (_, i) =>
        store.append(input(rooms[i % 2] ?? '', `t${i}`)),
      );
      const retried = [1, 2].map(() =>
        store.append({ room: 'r1', author, text: 'retried', clientId: 'twice', origin: 'o1' }),
      );
      // Asked before any of the appends above has been awaited.
      const read = store.latest('r1', 100);
      const results = await Promise.all(made);
      for (const [r, room] of rooms.entries()) {
        const mine = results.filter((_, i) => i % 2 === r);
        expect(mine.map((m) => m.message.text)).toEqual(
          Array.from({ length: 10 }, (_, k) => `t${2 * k + r}`),
        );
        expect(mine.map((m) => m.prev)).toEqual([
          undefined,
          ...mine.slice(0, -1).map((m) => m.message.id),
        ]);
        expect(mine.every((m) => m.message.room === room && !m.duplicate)).toBe(true);
      }
      const [first, second] = await Promise.all(retried);
      expect([first?.duplicate, second?.duplicate]).toEqual([false, true]);
      expect(second?.message.id).toBe(first?.message.id);
      expect(first?.prev).toBe(results.at(-2)?.message.id); // r1's newest
      expect((await read).messages.map((m) => m.text)).toEqual([
        ...results.filter((_, i) => i % 2 === 0).map((m) => m.message.text),
        'retried',
      ]);
    });

    test('concurrent retries of one clientId store one message', async () => {
      const store = await create({ limit: 100, dedupTtlMs: 60_000 });
      const results = await Promise.all(
        Array.from({ length: 10 }, () =>
          store.append({ room: 'r1', author, text: 'x', clientId: 'same', origin: 'o1' }),
        ),
      );
      expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
      expect(new Set(results.map((r) => r.message.id)).size).toBe(1);
      expect((await store.latest('r1', 10)).messages).toHaveLength(1);
    });

    test('history is bounded per room: at least the newest limit, at most limit + slack', async () => {
      const store = await create({ limit: 5, dedupTtlMs: 60_000 });
      const count = 5 + trimSlack + 20;
      await fill(store, 'r1', count);
      const held = (await store.latest('r1', 10_000)).messages.map((m) => m.text);
      expect(held.length).toBeGreaterThanOrEqual(5);
      expect(held.length).toBeLessThanOrEqual(5 + trimSlack);
      expect(held.slice(-5)).toEqual(Array.from({ length: 5 }, (_, i) => `m${count - 5 + i}`));
    });

    test('after returns every held message after the id', async () => {
      const store = await create({ limit: 100, dedupTtlMs: 60_000 });
      const ids = await fill(store, 'r1', 6);
      const replay = await store.after('r1', ids[2] ?? '');
      expect(replay.gap).toBe(false);
      expect(replay.hasMore).toBe(true);
      expect(replay.messages.map((m) => m.id)).toEqual(ids.slice(3));
      const upToDate = await store.after('r1', ids[5] ?? '');
      expect(upToDate).toMatchObject({ messages: [], gap: false });
    });

    test('a replay of more than its limit is a gap of too_many, and everything stays held', async () => {
      const store = await create({ limit: 100, dedupTtlMs: 60_000 });
      const ids = await fill(store, 'r1', 8);
      // Five created after ids[2]: a limit of five replays them, of four does not.
      const replay = await store.after('r1', ids[2] ?? '', 5);
      expect(replay.gap).toBe(false);
      expect(replay.messages.map((m) => m.id)).toEqual(ids.slice(3));
      expect(await store.after('r1', ids[2] ?? '', 4)).toMatchObject({
        messages: [],
        gap: true,
        gapReason: 'too_many',
      });
      // A change counts as one more to replay.
      await store.change('r1', ids[0] ?? '', { kind: 'edit', by: author.id, text: 'x', at: 1 });
      expect(await store.after('r1', ids[2] ?? '', 5)).toMatchObject({ gapReason: 'too_many' });
      expect((await store.after('r1', ids[2] ?? '', 6)).messages).toHaveLength(6);
      expect((await store.latest('r1', 100)).messages).toHaveLength(8);
    });

    test('after reports a gap when the messages after the id were trimmed', async () => {
      const store = await create({ limit: 5, dedupTtlMs: 60_000 });
      const ids = await fill(store, 'r1', 5 + trimSlack + 20);
      const held = (await store.latest('r1', 10_000)).messages;
      const firstHeld = ids.indexOf(held[0]?.id ?? '');
      expect(firstHeld).toBeGreaterThanOrEqual(2);
      // The newest trimmed message is the edge: everything after it is still held.
      const edge = await store.after('r1', ids[firstHeld - 1] ?? '');
      expect(edge.gap).toBe(false);
      expect(edge.messages).toEqual(held);
      const lost = await store.after('r1', ids[firstHeld - 2] ?? '');
      expect(lost).toMatchObject({ gap: true, gapReason: 'trimmed', messages: [] });
    });

    test('after reports a gap for ids it never issued', async () => {
      const store = await create({ limit: 100, dedupTtlMs: 60_000 });
      await fill(store, 'r1', 3);
      for (const [room, id] of [
        ['r1', 'garbage'],
        ['r1', '1-0'],
        ['r1', '99999999999999-0'],
        ['nothing-here', '1-0'],
      ] as const) {
        expect(await store.after(room, id)).toMatchObject({ gap: true, gapReason: 'unknown' });
      }
    });

    test('before pages backwards through history', async () => {
      const store = await create({ limit: 100, dedupTtlMs: 60_000 });
      const ids = await fill(store, 'r1', 10);
      const page1 = await store.before('r1', ids[7] ?? '', 3);
      expect(page1.messages.map((m) => m.text)).toEqual(['m4', 'm5', 'm6']);
      expect(page1.hasMore).toBe(true);
      const page2 = await store.before('r1', page1.messages[0]?.id ?? '', 10);
      expect(page2.messages.map((m) => m.text)).toEqual(['m0', 'm1', 'm2', 'm3']);
      expect(page2.hasMore).toBe(false);
      await expect(store.before('r1', 'not an id', 3)).rejects.toBeInstanceOf(InvalidCursorError);
    });

    const bob = { id: 'u-bob', name: 'bob' };
    const edit = (text: string, by = author.id): MessageChange => ({
      kind: 'edit',
      by,
      text,
      at: 1_700_000_000_000,
    });
    const react = (emoji: string, by = bob, add = true, maxEmoji = 20): MessageChange => ({
      kind: 'react',
      by,
      emoji,
      add,
      maxEmoji,
    });
    const changed = async (store: HistoryStore, room: string, id: string, c: MessageChange) => {
      const outcome = await store.change(room, id, c);
      if (outcome.status !== 'changed') throw new Error(`not changed: ${JSON.stringify(outcome)}`);
      return outcome;
    };

    test('an edit by the author takes the next position; everyone reading sees the new text', async () => {
      const store = await create({ limit: 100, dedupTtlMs: 60_000 });
      const [first, second] = await fill(store, 'r1', 2);
      const edited = await changed(store, 'r1', first ?? '', edit('m0, corrected'));
      expect(edited.message).toMatchObject({
        id: first,
        text: 'm0, corrected',
        editedAt: 1_700_000_000_000,
      });
      // The change comes after everything before it, and names the newest position then.
      expect(edited.prev).toBe(second);
      const pos = edited.message.pos ?? '';
      expect(pos > (second ?? '') || pos.length > (second ?? '').length).toBe(true);
      expect(await store.get('r1', first ?? '')).toEqual(edited.message);
      const latest = await store.latest('r1', 10);
      expect(latest.messages.map((m) => m.text)).toEqual(['m0, corrected', 'm1']);
      expect(latest.head).toBe(pos);
      const before = await store.before('r1', second ?? '', 10);
      expect(before.messages).toEqual([edited.message]);
      // The next message follows the edit.
      const next = await store.append(input('r1', 'm2'));
      expect(next.prev).toBe(pos);
    });

    test('after a position, the replay has what was created and what was changed since, once each, in order', async () => {
      const store = await create({ limit: 100, dedupTtlMs: 60_000 });
      const [a, b, c] = await fill(store, 'r1', 3);
      const cursor = c ?? '';
      await changed(store, 'r1', a ?? '', edit('a2'));
      const d = (await store.append(input('r1', 'm3'))).message.id;
      await changed(store, 'r1', b ?? '', react('👍'));
      await changed(store, 'r1', a ?? '', edit('a3'));
      const replay = await store.after('r1', cursor);
      expect(replay.gap).toBe(false);
      expect(replay.messages.map((m) => [m.id, m.text])).toEqual([
        [d, 'm3'],
        [b, 'm1'],
        [a, 'a3'],
      ]);
      expect(replay.head).toBe(
        positionOf(replay.messages.at(-1) ?? ({ id: '', pos: '' } as never)),
      );
      // A change's position is one a client may resume from.
      const fromChange = await store.after('r1', positionOf(replay.messages[1] ?? ({} as never)));
      expect(fromChange.gap).toBe(false);
      expect(fromChange.messages.map((m) => m.text)).toEqual(['a3']);
      const upToDate = await store.after('r1', replay.head ?? '');
      expect(upToDate).toMatchObject({ gap: false, messages: [] });
    });

    test('only the author may edit or delete; a deleted message is a tombstone nobody changes', async () => {
      const store = await create({ limit: 100, dedupTtlMs: 60_000 });
      const [id] = await fill(store, 'r1', 1);
      const target = id ?? '';
      expect(await store.change('r1', target, edit('hijacked', bob.id))).toEqual({
        status: 'refused',
        reason: 'not_allowed',
      });
      expect(await store.change('r1', target, { kind: 'delete', by: bob.id, at: 1 })).toEqual({
        status: 'refused',
        reason: 'not_allowed',
      });
      expect(await store.change('r1', '1-0', edit('x'))).toEqual({
        status: 'refused',
        reason: 'not_found',
      });
      expect(await store.change('elsewhere', target, edit('x'))).toEqual({
        status: 'refused',
        reason: 'not_found',
      });
      await changed(store, 'r1', target, react('🎉'));
      const deleted = await changed(store, 'r1', target, { kind: 'delete', by: author.id, at: 2 });
      expect(deleted.message).toMatchObject({ id: target, text: '', deleted: true });
      expect(deleted.message.reactions).toBeUndefined();
      expect((await store.latest('r1', 10)).messages).toEqual([deleted.message]);
      for (const c of [edit('back'), react('👍')]) {
        expect(await store.change('r1', target, c)).toEqual({
          status: 'refused',
          reason: 'deleted',
        });
      }
    });

    test('a moderator’s deletion is kept as such wherever the tombstone is read', async () => {
      const store = await create({ limit: 100, dedupTtlMs: 60_000 });
      const [id] = await fill(store, 'r1', 1);
      const removed = await changed(store, 'r1', id ?? '', {
        kind: 'delete',
        by: bob.id,
        at: 5,
        moderator: true,
      });
      expect(removed.message).toMatchObject({ deleted: true, removedByModerator: true, text: '' });
      expect(await store.get('r1', id ?? '')).toEqual(removed.message);
      expect((await store.latest('r1', 10)).messages).toEqual([removed.message]);
      expect((await store.after('r1', id ?? '')).messages).toEqual([removed.message]);
    });

    test('reactions: one per user and emoji, counted across users, taken back, bounded', async () => {
      const store = await create({ limit: 100, dedupTtlMs: 60_000 });
      const [id] = await fill(store, 'r1', 1);
      const target = id ?? '';
      await changed(store, 'r1', target, react('👍'));
      const again = await store.change('r1', target, react('👍'));
      expect(again.status).toBe('unchanged');
      const carol = { id: 'u-carol', name: 'carol' };
      const both = await changed(store, 'r1', target, react('👍', carol));
      expect(both.message.reactions).toEqual([{ emoji: '👍', users: [bob, carol] }]);
      const removed = await changed(store, 'r1', target, react('👍', bob, false));
      expect(removed.message.reactions).toEqual([{ emoji: '👍', users: [carol] }]);
      expect((await store.change('r1', target, react('👍', bob, false))).status).toBe('unchanged');
      await changed(store, 'r1', target, react('👍', carol, false));
      expect((await store.get('r1', target))?.reactions).toBeUndefined();
      await changed(store, 'r1', target, react('1️⃣', bob, true, 2));
      await changed(store, 'r1', target, react('2️⃣', bob, true, 2));
      expect(await store.change('r1', target, react('3️⃣', bob, true, 2))).toEqual({
        status: 'refused',
        reason: 'too_many_reactions',
      });
      // An emoji already there still takes more people.
      await changed(store, 'r1', target, react('2️⃣', carol, true, 2));
    });

    test('reactions sent at once by many users all count', async () => {
      const store = await create({ limit: 1000, dedupTtlMs: 60_000 });
      const [id] = await fill(store, 'r1', 1);
      const users = Array.from({ length: 25 }, (_, i) => ({ id: `u${i}`, name: `user${i}` }));
      const outcomes = await Promise.all(
        users.map((u, i) => store.change('r1', id ?? '', react(i % 2 ? '👍' : '🎉', u))),
      );
      expect(outcomes.every((o) => o.status === 'changed')).toBe(true);
      const positions = outcomes.map((o) => (o.status === 'changed' ? o.message.pos : ''));
      expect(new Set(positions).size).toBe(25);
      const held = await store.get('r1', id ?? '');
      const count = (held?.reactions ?? []).reduce((n, r) => n + r.users.length, 0);
      expect(count).toBe(25);
    });

    test('a reply keeps the quote of what it answers', async () => {
      const store = await create({ limit: 100, dedupTtlMs: 60_000 });
      const [id] = await fill(store, 'r1', 1);
      const replyTo = { id: id ?? '', author, text: 'm0' };
      const { message } = await store.append({ ...input('r1', 'indeed'), replyTo });
      expect(message.replyTo).toEqual(replyTo);
      expect(await store.get('r1', message.id)).toEqual(message);
      expect((await store.latest('r1', 10)).messages.at(-1)).toEqual(message);
    });

    test('unread: others’ messages after a position, tombstones excepted, and those naming the user', async () => {
      const store = await create({ limit: 100, dedupTtlMs: 60_000 });
      const [mine] = await fill(store, 'r1', 1);
      const fromBob = async (text: string, mentions?: { id: string; name: string }[]) =>
        (
          await store.append({
            ...input('r1', text),
            author: bob,
            ...(mentions ? { mentions } : {}),
          })
        ).message;
      const first = await fromBob('hi');
      await fromBob('@alice look', [author]);
      const doomed = await fromBob('oops');
      await changed(store, 'r1', doomed.id, { kind: 'delete', by: bob.id, at: 1 });
      expect(await store.unread('r1', undefined, author.id)).toEqual({ unread: 2, mentions: 1 });
      expect(await store.unread('r1', mine, author.id)).toEqual({ unread: 2, mentions: 1 });
      expect(await store.unread('r1', first.id, author.id)).toEqual({ unread: 1, mentions: 1 });
      // A change position works as the marker too; changes are not messages to read.
      const head = (await store.latest('r1', 1)).head ?? '';
      expect(await store.unread('r1', head, author.id)).toEqual({ unread: 0, mentions: 0 });
      expect(await store.unread('r1', undefined, bob.id)).toEqual({ unread: 1, mentions: 0 });
      expect(await store.unread('empty', undefined, bob.id)).toEqual({ unread: 0, mentions: 0 });
      const held = await store.get('r1', (await store.latest('r1', 2)).messages[0]?.id ?? '');
      expect(held?.mentions).toEqual([author]);
    });

    test('change positions are bounded like messages; resuming from one trimmed away is a gap', async () => {
      const store = await create({ limit: 4, dedupTtlMs: 60_000 });
      const [a, b] = await fill(store, 'r1', 2);
      const first = await changed(store, 'r1', b ?? '', edit('b1'));
      let last = first;
      for (let i = 2; i < 8 + trimSlack * 2; i++) {
        last = await changed(store, 'r1', b ?? '', edit(`b${i}`));
      }
      // However often a message changes, it and the messages around it stay.
      const held = (await store.latest('r1', 10)).messages;
      expect(held.map((m) => [m.id, m.text])).toEqual([
        [a, 'm0'],
        [b, last.message.text],
      ]);
      expect(await store.after('r1', first.message.pos ?? '')).toMatchObject({
        gap: true,
        gapReason: 'trimmed',
      });
      expect(await store.after('r1', last.prev ?? '')).toMatchObject({
        gap: false,
        messages: [last.message],
      });
      // Past the limit of messages, the oldest message goes, and its changes with it.
      await fill(store, 'r1', 4 + trimSlack);
      expect(await store.change('r1', a ?? '', edit('late'))).toEqual({
        status: 'refused',
        reason: 'not_found',
      });
    });

    // Texts a database column cannot hold as they are: a NUL, a lone surrogate; and ones
    // that would do harm if pasted into SQL, or are long and made of surrogate pairs.
    const awkward = [
      "'; DROP TABLE messages; --",
      'a\u0000b',
      'lone \ud800 surrogate',
      '🙂'.repeat(2000),
      '\uffff"not json',
    ];

    test('rooms, texts, names and quotes read back exactly, however awkward', async () => {
      const store = await create({ limit: 100, dedupTtlMs: 60_000 });
      for (const [i, odd] of awkward.entries()) {
        const room = `room ${odd}`;
        const writer = { id: `u-${i}`, name: odd };
        const named = { id: `u-named-${i}`, name: odd };
        const first = (
          await store.append({ room, author: writer, text: odd, clientId: 'c0', origin: odd })
        ).message;
        const replyTo = { id: first.id, author: writer, text: odd };
        const sent = {
          room,
          author: writer,
          text: `${odd} again`,
          clientId: odd,
          origin: odd,
          replyTo,
          mentions: [named],
        };
        const reply = await store.append(sent);
        expect(reply.message).toMatchObject({ room, author: writer, text: `${odd} again` });
        expect(reply.message.replyTo).toEqual(replyTo);
        expect(reply.message.mentions).toEqual([named]);
        const retry = await store.append({ ...sent, origin: 'elsewhere' });
        expect(retry).toEqual({ message: reply.message, duplicate: true, origin: odd });
        expect(await store.get(room, reply.message.id)).toEqual(reply.message);
        expect((await store.latest(room, 10)).messages).toEqual([first, reply.message]);
        expect((await store.before(room, reply.message.id, 10)).messages).toEqual([first]);
        expect((await store.after(room, first.id)).messages).toEqual([reply.message]);
        const edited = await changed(store, room, first.id, edit(`${odd}!`, writer.id));
        expect(edited.message.text).toBe(`${odd}!`);
        const reacted = await changed(store, room, first.id, react(odd, named));
        expect(reacted.message.reactions).toEqual([{ emoji: odd, users: [named] }]);
        expect(await store.get(room, first.id)).toEqual(reacted.message);
        expect(await store.unread(room, undefined, named.id)).toEqual({ unread: 2, mentions: 1 });
        expect(await store.hasRoom(room)).toBe(true);
      }
      const rooms = awkward.map((odd) => `room ${odd}`).sort();
      expect((await store.rooms()).sort()).toEqual(rooms);
      expect([...(await store.roomActivity()).keys()].sort()).toEqual(rooms);
      await store.deleteRoom(rooms[0] ?? '');
      expect(await store.hasRoom(rooms[0] ?? '')).toBe(false);
      expect((await store.rooms()).sort()).toEqual(rooms.slice(1));
    });
  });
}
