import type { AuditRecord } from '../../../common/contract.js';

/**
 * The audit list's entries in words, for the audit panel. (The timeline's moderation notices
 * are worded in notice-text.ts, from the facts the room keeps as it applies each event.)
 */

/** What an `update` entry's detail (the change, as JSON) says, as verb phrases. */
function updateWords(detail: string | undefined): string[] {
  let change: unknown;
  try {
    change = JSON.parse(detail ?? '{}');
  } catch {
    return [];
  }
  if (typeof change !== 'object' || change === null) return [];
  const {
    topic,
    private: isPrivate,
    retentionDays: days,
  } = change as { topic?: unknown; private?: unknown; retentionDays?: unknown };
  const words: string[] = [];
  if (typeof topic === 'string') {
    words.push(topic === '' ? 'removed the topic' : `set the topic to “${topic}”`);
  }
  if (typeof isPrivate === 'boolean') {
    words.push(isPrivate ? 'made the room private' : 'made the room public');
  }
  if (typeof days === 'number') {
    words.push(`set messages to be deleted after ${days} ${days === 1 ? 'day' : 'days'}`);
  } else if (days === null) {
    words.push('set messages to be kept as long as the server keeps them');
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
