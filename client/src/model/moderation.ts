import type { AuditRecord, Member, ModerationEvent, RoomInfo } from '../../../common/contract.js';

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

/** What an `update` entry's detail (the change, as JSON) says, as verb phrases. */
function updateWords(detail: string | undefined): string[] {
  let change: unknown;
  try {
    change = JSON.parse(detail ?? '{}');
  } catch {
    return [];
  }
  if (typeof change !== 'object' || change === null) return [];
  const { topic, private: isPrivate } = change as { topic?: unknown; private?: unknown };
  const words: string[] = [];
  if (typeof topic === 'string') {
    words.push(topic === '' ? 'removed the topic' : `set the topic to “${topic}”`);
  }
  if (typeof isPrivate === 'boolean') {
    words.push(isPrivate ? 'made the room private' : 'made the room public');
  }
  return words;
}

/**
 * One entry of a room's audit list in words, such as "olga banned spam (10 min)". `nameOf`
 * gives a user's name from their id, if the page knows it.
 */
export function auditText(entry: AuditRecord, nameOf: (id: string) => string | undefined): string {
  const by = nameOf(entry.by) ?? 'Someone';
  const target = entry.target === undefined ? 'someone' : (nameOf(entry.target) ?? 'someone');
  const detail = entry.detail ? ` (${entry.detail})` : '';
  switch (entry.action) {
    case 'create':
      return `${by} created the room`;
    case 'update': {
      const words = updateWords(entry.detail);
      return `${by} ${words.length === 0 ? 'changed the room’s settings' : words.join(' and ')}`;
    }
    case 'role':
      return entry.detail === 'moderator'
        ? `${by} made ${target} a moderator`
        : `${by} made ${target} a member again`;
    case 'invite':
      return `${by} invited ${target}`;
    case 'kick':
      return `${by} removed ${target} from the room`;
    case 'ban':
      return `${by} banned ${target}${detail}`;
    case 'unban':
      return `${by} lifted the ban on ${target}`;
    case 'mute':
      return `${by} muted ${target}${detail}`;
    case 'unmute':
      return `${by} unmuted ${target}`;
    case 'delete-message':
      return `${by} removed a message by ${target}`;
    case 'resolve-report':
      return `${by} resolved a report by ${target}`;
    default:
      return `${by}: ${entry.action}${entry.target === undefined ? '' : ` ${target}`}${detail}`;
  }
}
