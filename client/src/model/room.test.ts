import { expect, test } from 'vitest';
import type { JoinResult, Message, ModerationEvent } from '../../../common/contract.js';
import { Timers } from '../../../common/timers.js';
import { Room } from './room.js';

const olga = { id: 'u-olga', name: 'olga' };
const spam = { id: 'u-spam', name: 'spam' };
const now = Date.UTC(2026, 11, 7, 0, 20);

const event = (action: ModerationEvent['action'], until?: number): ModerationEvent => ({
  room: 'den',
  action,
  by: olga,
  target: spam,
  ...(until === undefined ? {} : { until }),
  info: { room: 'den', moderators: [], operators: [], private: false, owner: olga.id },
});

test('a mute is in force until its end or an unmute, and one without an end until lifted', () => {
  const room = new Room('den', new Timers());
  expect(room.muteOf(spam.id, now)).toBeUndefined();
  room.applyModeration(event('mute', now + 9 * 60_000), olga.id, now);
  expect(room.muteOf(spam.id, now)).toEqual({ member: spam, until: now + 9 * 60_000 });
  expect(room.muteOf(spam.id, now + 9 * 60_000 - 1)).toBeDefined();
  expect(room.muteOf(spam.id, now + 9 * 60_000)).toBeUndefined();
  expect(room.muteOf(olga.id, now)).toBeUndefined();

  room.applyModeration(event('mute'), olga.id, now);
  expect(room.muteOf(spam.id, now + 365 * 86_400_000)).toEqual({ member: spam });
  room.applyModeration(event('unmute'), olga.id, now);
  expect(room.muteOf(spam.id, now)).toBeUndefined();
});

const said = (seq: number): Message => ({
  id: `${1000 + seq}-0`,
  room: 'den',
  author: spam,
  text: `m${seq}`,
  ts: 1000 + seq,
});

const joinAck = (history: Message[], extra: Partial<JoinResult> = {}): JoinResult => ({
  room: 'den',
  self: olga,
  history,
  members: [olga],
  hasMore: false,
  gap: false,
  info: { room: 'den', moderators: [], operators: [], private: false },
  ...extra,
});

const shown = (room: Room) =>
  room.timeline.items.map((i) => (i.kind === 'message' ? i.message.text : `(${i.notice.type})`));

test('after a long absence the room starts again from the newest page, with a notice before it', () => {
  const room = new Room('den', new Timers());
  for (const m of room.applyJoin(joinAck([said(1), said(2)]))) room.timeline.append(m, false);
  room.disconnected();
  const page = [said(8), said(9), said(10)];
  const toShow = room.applyJoin(joinAck(page, { gap: true, gapReason: 'too_many', hasMore: true }));
  for (const m of toShow) room.timeline.append(m, false);
  expect(shown(room)).toEqual(['(gap)', 'm8', 'm9', 'm10']);
  expect(room.timeline.items[0]).toMatchObject({ tone: 'warning', notice: { reason: 'too_many' } });
  // "Load earlier" pages back from the page's first message, and there are more.
  expect(room.timeline.oldestId()).toBe(said(8).id);
  expect(room.timeline.hasMore).toBe(true);
});

test('other gaps keep what was held, and add the page after it', () => {
  const room = new Room('den', new Timers());
  for (const m of room.applyJoin(joinAck([said(1), said(2)]))) room.timeline.append(m, false);
  room.disconnected();
  const toShow = room.applyJoin(joinAck([said(9)], { gap: true, gapReason: 'trimmed' }));
  for (const m of toShow) room.timeline.append(m, false);
  expect(shown(room)).toEqual(['m1', 'm2', '(gap)', 'm9']);
});
