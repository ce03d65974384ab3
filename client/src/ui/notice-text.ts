import type {
  GapReason,
  Member,
  ModerationEvent,
  RemovedEvent,
  RoomInfo,
} from '../../../common/contract.js';
import { NoAnswer } from '../model/commands.js';
import { sanctionText, untilText } from './format.js';
import type { JoinProblem, Notice, SessionEnd } from '../model/notices.js';

/**
 * The sentences of the page that are not the server's own: the timeline's notices, why the
 * user is out of a room, why the session ended. The model holds the facts (model/notices.ts).
 */

const plural = (n: number, unit: string): string => `${n} ${unit}${n === 1 ? '' : 's'}`;

/**
 * A sanction's length in words, from the time left when it was announced: whole days or
 * hours when it is a multiple of them, minutes otherwise. Rounded to the minute, so that
 * the moment between the server's clock and this one does not show.
 */
export function durationText(ms: number): string {
  const minutes = Math.max(1, Math.round(ms / 60_000));
  if (minutes % 1440 === 0) return plural(minutes / 1440, 'day');
  if (minutes % 60 === 0) return plural(minutes / 60, 'hour');
  return plural(minutes, 'minute');
}

/** Names stay as their owners wrote them; only the words the client puts first are capitalised. */
const capitalised = (text: string): string =>
  /^(you|someone) /.test(text) ? text.charAt(0).toUpperCase() + text.slice(1) : text;

type Retention = RoomInfo['retention'];

/**
 * How long the room keeps its messages, as its header says it, such as "Messages are deleted
 * 30 days after they are sent (this room’s setting)"; undefined when they are kept for good.
 */
export function retentionText(retention: Retention): string | undefined {
  if (!retention) return undefined;
  const whose = retention.by === 'room' ? 'this room’s setting' : 'this server’s setting';
  return `Messages are deleted ${plural(retention.days, 'day')} after they are sent (${whose}).`;
}

const sameRetention = (a: Retention, b: Retention): boolean =>
  a?.days === b?.days && a?.by === b?.by;

/** A change of how long messages are kept, as a verb phrase, from the retention it left. */
function retentionChange(after: Retention): string {
  if (!after) return 'set messages to be kept for good';
  const length = plural(after.days, 'day');
  // The room's own retention is gone, and the server's applies.
  if (after.by === 'server')
    return `set messages to be deleted after ${length}, as the server does`;
  return `set messages to be deleted after ${length}`;
}

/** What the room's settings changes from `before` to `after` say, as verb phrases. */
function settingChanges(before: RoomInfo | undefined, after: RoomInfo): string[] {
  const changes: string[] = [];
  if ((before?.topic ?? '') !== (after.topic ?? '')) {
    changes.push(
      after.topic === undefined || after.topic === ''
        ? 'removed the topic'
        : `changed the topic to “${after.topic}”`,
    );
  }
  if (before !== undefined && before.private !== after.private) {
    changes.push(after.private ? 'made the room private' : 'made the room public');
  }
  if (before !== undefined && !sameRetention(before.retention, after.retention)) {
    changes.push(retentionChange(after.retention));
  }
  return changes;
}

/**
 * The notice a moderation event shows in the room's timeline, such as "olga banned spam
 * for 10 minutes: flooding" or "mona is now a moderator". `before` is the room's info as
 * held until this event; `self` is the user's id ("you" in the sentence); `now` is the
 * time of arrival, for a sanction's length.
 */
export function moderationNotice(
  event: ModerationEvent,
  before: RoomInfo | undefined,
  self: string,
  now: number,
): string {
  const who = (member: Member | undefined): string =>
    member === undefined ? 'someone' : member.id === self ? 'you' : member.name;
  const by = who(event.by);
  const target = who(event.target);
  const length = event.until === undefined ? '' : ` for ${durationText(event.until - now)}`;
  const why = event.reason ? `: ${event.reason}` : '';
  let sentence: string;
  switch (event.action) {
    case 'kick':
      sentence = `${by} removed ${target} from the room`;
      break;
    case 'ban':
      sentence = `${by} banned ${target}${length}${why}`;
      break;
    case 'mute':
      sentence = `${by} muted ${target}${length}${why}`;
      break;
    case 'unban':
      sentence = `${by} lifted the ban on ${target}`;
      break;
    case 'unmute':
      sentence = `${by} unmuted ${target}`;
      break;
    case 'role': {
      const be = target === 'you' ? 'are' : 'is';
      sentence =
        event.role === 'moderator'
          ? `${target} ${be} now a moderator`
          : `${target} ${be} no longer a moderator`;
      break;
    }
    case 'update': {
      const changes = settingChanges(before, event.info);
      sentence =
        changes.length === 0
          ? `${by} updated the room’s settings`
          : `${by} ${changes.join(' and ')}`;
      break;
    }
  }
  return capitalised(sentence);
}

/** What the timeline says when the server could not replay everything since the last visit. */
const GAP_TEXT: Record<GapReason, string> = {
  trimmed:
    'Some messages are missing: some of those posted while you were away are no longer kept (too old, or more than this room holds), and are gone.',
  too_many:
    'More was posted while you were away than can be caught up at once: below are the newest messages, and “Load earlier messages” brings the ones before them.',
  unknown:
    'Some messages may be missing: the server no longer has the history you last saw (it may have restarted without keeping it).',
};

/** A timeline notice in words. */
export function noticeText(notice: Notice): string {
  switch (notice.type) {
    case 'joined':
      return `${notice.name} joined`;
    case 'left':
      return `${notice.name} left`;
    case 'renamed':
      return `${notice.previousName ?? 'Someone'} is now ${notice.name}`;
    case 'gap':
      return GAP_TEXT[notice.reason];
    case 'moderation':
      return moderationNotice(notice.event, notice.before, notice.self, notice.at);
  }
}

/**
 * Why the user was taken out of `room` (and until when, for a ban, in local time from `now`);
 * `self` is their id.
 */
export function removalText(
  { room, reason, by, until, message }: RemovedEvent,
  self: string,
  now: number,
): string {
  const when = until === undefined ? '' : ` ${untilText(until, now)}`;
  const who = by.id === self ? 'You' : by.name;
  if (reason === 'ban')
    return `${by.name} banned you from ${room}${when}${message ? `: ${message}` : '.'}`;
  if (reason === 'deleted') return `${who} deleted ${room}.`;
  return `${by.name} removed you from ${room}.`;
}

/**
 * The alert over the timeline: the server's refusal (a ban's end in local time, from `now`,
 * rather than the server's "for 9 more minutes"), or the removal in words.
 */
export function joinProblemText(problem: JoinProblem, now: number): string {
  if (problem.type === 'removed') return removalText(problem.event, problem.self, now);
  if (problem.until === undefined) return problem.message;
  return sanctionText('You are banned from this room', problem.until, now);
}

/** Why the session ended, as the sign-in screen says it. */
export function sessionEndText(end: SessionEnd): string {
  switch (end.reason) {
    case 'refused':
      return end.message;
    case 'logout':
      return 'You were signed out.';
    case 'suspended':
      return 'Your account was suspended by the operators.';
    case 'expired':
      return 'Your session expired. Please sign in again.';
  }
}

/** What the page says when a request failed without the server's sentence. */
export const failureText = (err: unknown): string =>
  err instanceof NoAnswer
    ? 'The server did not answer; try again.'
    : 'Something went wrong; try again.';
