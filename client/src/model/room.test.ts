import { expect, test } from 'vitest';
import type { ModerationEvent } from '../../../common/contract.js';
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
