import { describe, expect, it } from 'vitest';
import type { ModerationEvent, RoomInfo } from '../../../common/contract.js';
import { atLeast, outranks, roleIn } from '../../../common/roles.js';
import { timeFormat } from './format.js';
import {
  durationText,
  joinProblemText,
  moderationNotice,
  noticeText,
  retentionText,
} from './notice-text.js';
import { auditText } from './moderation-text.js';

const olga = { id: 'u-olga', name: 'olga' };
const spam = { id: 'u-spam', name: 'spam' };
const mona = { id: 'u-mona', name: 'mona' };
const root = { id: 'u-root', name: 'root' };
const info: RoomInfo = {
  room: 'dev',
  owner: olga.id,
  moderators: [mona.id],
  operators: [root.id],
  private: false,
};
const now = 1_000_000_000_000;

const event = (e: Omit<ModerationEvent, 'room' | 'by' | 'info'> & Partial<ModerationEvent>) =>
  ({ room: 'dev', by: olga, info, ...e }) satisfies ModerationEvent;

describe('roles', () => {
  it('reads operators, owner and moderators from the room’s info', () => {
    expect(roleIn(info, root.id)).toBe('operator');
    expect(roleIn(info, olga.id)).toBe('owner');
    expect(roleIn(info, mona.id)).toBe('moderator');
    expect(roleIn(info, spam.id)).toBe('member');
    expect(roleIn(undefined, olga.id)).toBe('member');
  });

  it('lets moderators act on members only, and owners on moderators too', () => {
    expect(outranks('moderator', 'member')).toBe(true);
    expect(outranks('moderator', 'moderator')).toBe(false);
    expect(outranks('owner', 'moderator')).toBe(true);
    expect(outranks('member', 'member')).toBe(false);
  });

  it('ranks operators above owners', () => {
    expect(outranks('operator', 'owner')).toBe(true);
    expect(outranks('owner', 'operator')).toBe(false);
    expect(atLeast('operator', 'owner')).toBe(true);
    expect(atLeast('moderator', 'owner')).toBe(false);
    expect(atLeast('member', 'moderator')).toBe(false);
  });
});

describe('moderation notices', () => {
  it('says who banned whom, for how long and why', () => {
    const ban = event({ action: 'ban', target: spam, until: now + 10 * 60_000, reason: 'flood' });
    expect(moderationNotice(ban, info, mona.id, now)).toBe(
      'olga banned spam for 10 minutes: flood',
    );
    // A moment late, it still reads as the length that was chosen.
    expect(moderationNotice(ban, info, mona.id, now + 900)).toBe(
      'olga banned spam for 10 minutes: flood',
    );
    const forever = event({ action: 'mute', target: spam });
    expect(moderationNotice(forever, info, mona.id, now)).toBe('olga muted spam');
  });

  it('calls the user “you”', () => {
    const mute = event({ action: 'mute', target: spam, until: now + 2 * 3_600_000 });
    expect(moderationNotice(mute, info, spam.id, now)).toBe('olga muted you for 2 hours');
    const kick = event({ action: 'kick', target: spam });
    expect(moderationNotice(kick, info, olga.id, now)).toBe('You removed spam from the room');
    const role = event({ action: 'role', target: mona, role: 'moderator' });
    expect(moderationNotice(role, info, mona.id, now)).toBe('You are now a moderator');
  });

  it('names roles and lifted sanctions', () => {
    expect(
      moderationNotice(event({ action: 'role', target: mona, role: 'moderator' }), info, '', now),
    ).toBe('mona is now a moderator');
    expect(
      moderationNotice(event({ action: 'role', target: mona, role: 'member' }), info, '', now),
    ).toBe('mona is no longer a moderator');
    expect(moderationNotice(event({ action: 'unban', target: spam }), info, '', now)).toBe(
      'olga lifted the ban on spam',
    );
    expect(moderationNotice(event({ action: 'unmute', target: spam }), info, '', now)).toBe(
      'olga unmuted spam',
    );
  });

  it('tells what a settings change changed', () => {
    const topic = event({ action: 'update', info: { ...info, topic: 'Releases' } });
    expect(moderationNotice(topic, info, '', now)).toBe('olga changed the topic to “Releases”');
    const cleared = event({ action: 'update', info });
    expect(moderationNotice(cleared, { ...info, topic: 'Releases' }, '', now)).toBe(
      'olga removed the topic',
    );
    const locked = event({ action: 'update', info: { ...info, private: true, topic: 'x' } });
    expect(moderationNotice(locked, info, '', now)).toBe(
      'olga changed the topic to “x” and made the room private',
    );
    expect(moderationNotice(event({ action: 'update' }), info, '', now)).toBe(
      'olga updated the room’s settings',
    );
  });

  it('tells how long messages are now kept when the retention changed', () => {
    const kept = (days: number, by: 'room' | 'server') => ({ ...info, retention: { days, by } });
    const set = (after: RoomInfo, before: RoomInfo) =>
      moderationNotice(event({ action: 'update', info: after }), before, '', now);
    expect(set(kept(30, 'room'), info)).toBe('olga set messages to be deleted after 30 days');
    expect(set(kept(1, 'room'), kept(30, 'room'))).toBe(
      'olga set messages to be deleted after 1 day',
    );
    expect(set(info, kept(30, 'room'))).toBe('olga set messages to be kept for good');
    // The room's own removed, the server's applies again.
    expect(set(kept(30, 'server'), kept(7, 'room'))).toBe(
      'olga set messages to be deleted after 30 days, as the server does',
    );
    expect(set({ ...kept(7, 'room'), topic: 'x' }, info)).toBe(
      'olga changed the topic to “x” and set messages to be deleted after 7 days',
    );
    // Unchanged, it is not mentioned; nor when the settings before are not known.
    expect(set({ ...kept(7, 'room'), private: true }, kept(7, 'room'))).toBe(
      'olga made the room private',
    );
    expect(
      moderationNotice(event({ action: 'update', info: kept(7, 'room') }), undefined, '', now),
    ).toBe('olga updated the room’s settings');
  });

  it('says how long the room keeps its messages, and by whose setting', () => {
    expect(retentionText(undefined)).toBeUndefined();
    expect(retentionText({ days: 30, by: 'server' })).toBe(
      'Messages are deleted 30 days after they are sent (this server’s setting).',
    );
    expect(retentionText({ days: 1, by: 'room' })).toBe(
      'Messages are deleted 1 day after they are sent (this room’s setting).',
    );
  });

  it('says the newest page follows after a long absence', () => {
    expect(noticeText({ type: 'gap', reason: 'too_many' })).toMatch(
      /^More was posted while you were away than can be caught up at once: below are the newest messages/,
    );
  });

  it('gives lengths in whole days, hours or minutes', () => {
    expect(durationText(60_000)).toBe('1 minute');
    expect(durationText(90 * 60_000)).toBe('90 minutes');
    expect(durationText(3 * 3_600_000)).toBe('3 hours');
    expect(durationText(7 * 86_400_000)).toBe('7 days');
    expect(durationText(0)).toBe('1 minute');
  });
});

describe('the audit list in words', () => {
  const names = new Map([
    [olga.id, 'olga'],
    [spam.id, 'spam'],
  ]);
  const nameOf = (id: string) => names.get(id);
  const entry = (action: string, extra: { target?: string; detail?: string } = {}) =>
    auditText({ at: now, by: olga.id, action, ...extra }, nameOf);

  it('names who did what to whom, with the length of a sanction', () => {
    expect(entry('create')).toBe('olga created the room');
    expect(entry('ban', { target: spam.id, detail: '10 min' })).toBe('olga banned spam (10 min)');
    expect(entry('mute', { target: spam.id, detail: 'until lifted' })).toBe(
      'olga muted spam (until lifted)',
    );
    expect(entry('unban', { target: spam.id })).toBe('olga lifted the ban on spam');
    expect(entry('invite', { target: spam.id })).toBe('olga invited spam');
    expect(entry('role', { target: spam.id, detail: 'moderator' })).toBe(
      'olga made spam a moderator',
    );
    expect(entry('delete-message', { target: spam.id, detail: 'm-1' })).toBe(
      'olga removed a message by spam',
    );
    expect(entry('kick', { target: 'u-gone' })).toBe('olga removed someone from the room');
  });

  it('reads a settings change from its detail, and survives one it cannot read', () => {
    expect(entry('update', { detail: '{"private":true,"topic":"Plans"}' })).toBe(
      'olga set the topic to “Plans” and made the room private',
    );
    expect(entry('update', { detail: '{"topic":""}' })).toBe('olga removed the topic');
    expect(entry('update', { detail: '{"retentionDays":30}' })).toBe(
      'olga set messages to be deleted after 30 days',
    );
    expect(entry('update', { detail: '{"retentionDays":null}' })).toBe(
      'olga set messages to be kept as long as the server keeps them',
    );
    expect(entry('update', { detail: 'not json' })).toBe('olga changed the room’s settings');
    expect(entry('something-new', { target: spam.id })).toBe('olga: something-new spam');
  });
});

describe('why the user is out of a room, in local time', () => {
  const at = new Date(2026, 11, 7, 0, 20).getTime();
  const until = at + 9 * 60_000;
  const local = timeFormat.format(until);

  it('words a refused rejoin from until, not the server’s sentence', () => {
    const refused = {
      type: 'refused',
      message: 'You are banned from this room for 9 more minutes.',
      until,
    } as const;
    expect(joinProblemText(refused, at)).toBe(
      `You are banned from this room until ${local}, in 9 minutes.`,
    );
    // Without an end, the server's own sentence.
    const plain = { type: 'refused', message: 'this room is private' } as const;
    expect(joinProblemText(plain, at)).toBe('this room is private');
  });

  it('says a ban’s end in local time when the user is removed', () => {
    const event = {
      room: 'den',
      reason: 'ban',
      by: { id: 'u-olga', name: 'olga' },
      until,
      message: 'flooding',
    } as const;
    expect(joinProblemText({ type: 'removed', event, self: 'u-spam' }, at)).toBe(
      `olga banned you from den until ${local}, in 9 minutes: flooding`,
    );
  });
});
