import { expect, test } from 'vitest';
import { createMemoryHistoryStore } from '../../server/src/messages/memory-store.js';
import type { HistoryStore } from '../../server/src/messages/store.js';
import { connect, identity, joinOk, sendOk } from '../../server/test/support/client.js';
import { startTestServer } from '../../server/test/support/server.js';
import { ConnectionState } from '../src/model/connection-state.js';
import { noticeText, retentionText } from '../src/ui/notice-text.js';
import { ChatUser } from './support/chat-user.js';

// How long rooms keep their messages, and the return after a long absence, through the
// browser client's core against a real server.

/**
 * History as the stores that take a retention keep it, over the memory store whatever that
 * does itself: a purge (so that rooms may take a retention; no sweep runs within a test), and
 * rejoins whose replay is bounded by the limit the server asks for (`HISTORY_LIMIT`): past
 * it, `gap` with `too_many`, as the store contract says.
 */
function diskLikeHistory(): HistoryStore {
  const inner = createMemoryHistoryStore({ limit: 10_000, dedupTtlMs: 600_000 });
  return {
    ...inner,
    append: (input) => inner.append(input),
    latest: (room, limit) => inner.latest(room, limit),
    before: (room, id, limit) => inner.before(room, id, limit),
    rooms: () => inner.rooms(),
    close: () => inner.close(),
    purge: () => Promise.resolve({ messages: 0, changes: 0 }),
    async after(room, id, limit) {
      const replay = await inner.after(room, id);
      if (replay.gap || limit === undefined || replay.messages.length <= limit) return replay;
      return { messages: [], gap: true, gapReason: 'too_many', hasMore: replay.hasMore };
    },
  };
}

const noticesOf = (u: ChatUser): string[] =>
  (u.chat.rooms.get(u.room)?.timeline.items ?? []).flatMap((i) =>
    i.kind === 'notice' ? [noticeText(i.notice)] : [],
  );

const textsOf = (u: ChatUser): string[] => [...u.shown.values()].map((m) => m.text);

test('back after more than a rejoin replays: only the newest page, then every older page once, and what waited is sent', async () => {
  const { url } = await startTestServer(
    { historyLimit: 5, historyPage: 3, messageBurst: 50 },
    { history: diskLikeHistory() },
  );
  const alice = new ChatUser(url, await identity(url, 'alice'), 'general');
  await alice.ready();
  const bob = await connect(url, { name: 'bob' });
  await joinOk(bob, 'general');
  const before = [await sendOk(bob, 'general', 'b1'), await sendOk(bob, 'general', 'b2')];
  await alice.hasShown(before.map((m) => m.id));

  alice.chat.setOnline(false);
  await alice.until(() => alice.chat.connection === ConnectionState.offline);
  alice.send('written while away');
  const missed = [];
  for (let i = 1; i <= 8; i++) missed.push(await sendOk(bob, 'general', `m${i}`));
  alice.chat.setOnline(true);

  await alice.until(() => alice.chat.outbox.length === 0 && alice.acked.length === 1);
  const room = alice.chat.rooms.get('general');
  // The old timeline is gone: what is shown starts at the newest page, the one waiting after it.
  expect(textsOf(alice)).toEqual(['m6', 'm7', 'm8', 'written while away']);
  expect(room?.timeline.items[0]?.kind).toBe('notice');
  expect(noticesOf(alice)).toEqual([
    expect.stringMatching(/^More was posted while you were away than can be caught up at once/),
  ]);
  expect(room?.timeline.hasMore).toBe(true);

  // "Load earlier" pages back from the page's first message through everything missed.
  const pages: number[] = [];
  while (room?.timeline.hasMore) {
    const held = room.timeline.messageCount;
    await alice.chat.loadEarlier();
    pages.push(room.timeline.messageCount - held);
  }
  expect(pages).toEqual([3, 3, 1]);
  expect(textsOf(alice)).toEqual(['b1', 'b2', ...missed.map((m) => m.text), 'written while away']);
  expect(alice.duplicateReceipts).toBe(0);
});

test('an owner sets how long the room keeps messages; the room is told, and a moderator may not', async () => {
  const { url } = await startTestServer({}, { history: diskLikeHistory() });
  const room = 'archive';
  const olga = new ChatUser(url, await identity(url, 'olga'), room);
  await olga.ready();
  const mona = new ChatUser(url, await identity(url, 'mona'), room);
  await mona.ready();
  expect(await olga.chat.moderation.setRole(room, mona.chat.user.id, 'moderator')).toBeUndefined();
  await mona.until(() => mona.chat.isStaff(room));

  expect(await mona.chat.moderation.setRetention(room, 7)).toMatch(/owner/);
  expect(await olga.chat.moderation.setRetention(room, 7)).toBeUndefined();
  const monaRoom = mona.chat.rooms.get(room);
  await mona.until(() => monaRoom?.info?.retention !== undefined);
  expect(monaRoom?.info?.retention).toEqual({ days: 7, by: 'room' });
  expect(retentionText(monaRoom?.info?.retention)).toBe(
    'Messages are deleted 7 days after they are sent (this room’s setting).',
  );
  expect(noticesOf(mona)).toContain('olga set messages to be deleted after 7 days');

  expect(await olga.chat.moderation.setRetention(room, null)).toBeUndefined();
  await mona.until(() => monaRoom?.info?.retention === undefined);
  expect(noticesOf(mona)).toContain('olga set messages to be kept for good');
  expect(noticesOf(olga)).toContain('You set messages to be kept for good');
});

test('with the server’s own retention, the room shows it, and a room may not keep messages longer', async () => {
  const { url } = await startTestServer({ retentionDays: 30 }, { history: diskLikeHistory() });
  const olga = new ChatUser(url, await identity(url, 'olga'), 'longroom');
  await olga.ready();
  const info = () => olga.chat.rooms.get('longroom')?.info;
  expect(info()?.retention).toEqual({ days: 30, by: 'server' });
  expect(await olga.chat.moderation.setRetention('longroom', 31)).toBe(
    'this server deletes messages after 30 days; a room may keep them less long only',
  );
  expect(await olga.chat.moderation.setRetention('longroom', 10)).toBeUndefined();
  await olga.until(() => info()?.retention?.by === 'room');
  expect(info()?.retention).toEqual({ days: 10, by: 'room' });
  expect(await olga.chat.moderation.setRetention('longroom', null)).toBeUndefined();
  await olga.until(() => info()?.retention?.by === 'server');
  expect(noticesOf(olga)).toContain(
    'You set messages to be deleted after 30 days, as the server does',
  );
});
