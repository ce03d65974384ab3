import type { Member } from '../../../common/contract.js';
import type { Chat, Room } from '../model/chat.js';
import { el } from './dom.js';

/** A message's time of day, as its row shows it. */
export const timeFormat = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
});
const dateFormat = new Intl.DateTimeFormat(undefined, {
  weekday: 'long',
  month: 'long',
  day: 'numeric',
});
const dateWithYearFormat = new Intl.DateTimeFormat(undefined, {
  weekday: 'long',
  month: 'long',
  day: 'numeric',
  year: 'numeric',
});

const inWords = (n: number, unit: string): string => `in ${n} ${unit}${n === 1 ? '' : 's'}`;

/** How far off `until` is, counted up to the next whole minute so that it never says "in 0". */
function fromNow(ms: number): string {
  const minutes = Math.max(1, Math.ceil(ms / 60_000));
  if (minutes < 120) return inWords(minutes, 'minute');
  if (minutes < 2 * 1440) return inWords(Math.round(minutes / 60), 'hour');
  return inWords(Math.round(minutes / 1440), 'day');
}

/**
 * When a sanction ends, in the reader's local time: "until 00:29, in 9 minutes" today,
 * with the date on a later day ("until Tuesday, December 8, 00:29, in 2 days").
 */
export function untilText(until: number, now: number): string {
  const time = timeFormat.format(until);
  const day = dayKey(until) === dayKey(now) ? '' : `${dayLabel(until, now)}, `;
  return `until ${day}${time}, ${fromNow(until - now)}`;
}

/** A sanction in words: `what` ("You are muted here") and until when, or until lifted. */
export const sanctionText = (what: string, until: number | undefined, now: number): string =>
  until === undefined ? `${what} until a moderator lifts it.` : `${what} ${untilText(until, now)}.`;

/** A message's author and time: all that grouping and day separators look at. */
export interface Placed {
  authorId: string;
  ts: number;
}

/** Messages of one author this close together (ms) share one head with their name. */
export const GROUP_WITHIN_MS = 5 * 60_000;

/** The local calendar day of a time, as `YYYY-MM-DD`. */
export function dayKey(ts: number): string {
  const d = new Date(ts);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** What a day separator says: "Today", "Yesterday", or the date (with the year if not this one). */
export function dayLabel(ts: number, now: number): string {
  const day = new Date(ts);
  const today = new Date(now);
  const yesterday = new Date(now);
  yesterday.setDate(today.getDate() - 1);
  if (dayKey(ts) === dayKey(now)) return 'Today';
  if (dayKey(ts) === dayKey(yesterday.getTime())) return 'Yesterday';
  return (day.getFullYear() === today.getFullYear() ? dateFormat : dateWithYearFormat).format(day);
}

/**
 * Whether `next` goes on in the group of `previous`, the message just before it with nothing
 * between (a notice or a day separator ends a group): same author by id, since names can
 * repeat, on the same day and within GROUP_WITHIN_MS of it.
 */
export function continues(previous: Placed | undefined, next: Placed): boolean {
  return (
    previous !== undefined &&
    previous.authorId === next.authorId &&
    next.ts >= previous.ts &&
    next.ts - previous.ts < GROUP_WITHIN_MS &&
    dayKey(previous.ts) === dayKey(next.ts)
  );
}

/** A colour for a user id: the same person always gets the same one. */
export function hueOf(id: string): number {
  let hash = 0;
  for (let i = 0; i < id.length; i++) hash = (hash * 31 + id.charCodeAt(i)) >>> 0;
  return hash % 360;
}

const initial = (name: string): string => Array.from(name)[0]?.toUpperCase() ?? '?';

export function avatarNode(author: Member): HTMLElement {
  const avatar = el('span', {
    className: 'avatar',
    text: initial(author.name),
    attrs: { 'aria-hidden': 'true' },
  });
  // Through the CSSOM: the page's CSP refuses inline style attributes.
  avatar.style.setProperty('--avatar-hue', String(hueOf(author.id)));
  return avatar;
}

/** What a room is called on screen: `#name`, or a conversation's other participants. */
export function roomLabel(room: Room, chat: Chat): string {
  return room.kind === 'direct' ? room.title(chat.user.id) : `#${room.name}`;
}

/** How a conversation's header says where someone is: online, last seen when, or offline. */
export function presenceText(
  presence: ReturnType<Chat['presenceOf']>,
  now: number = Date.now(),
): string {
  if (presence.online) return 'online';
  if (presence.lastSeen === undefined) return 'offline';
  const at = presence.lastSeen;
  const time = timeFormat.format(at);
  return dayKey(at) === dayKey(now)
    ? `last seen at ${time}`
    : `last seen ${dayLabel(at, now).toLowerCase()} at ${time}`;
}

/**
 * What stands beside a conversation's title (the other people's names) instead of a head
 * count: where the other person is, or each of them by name.
 */
export function conversationPresence(room: Room, chat: Chat): string {
  const others = room.participants.filter((p) => p.id !== chat.user.id);
  if (others.length === 1 && others[0]) return presenceText(chat.presenceOf(others[0].id));
  return others.map((p) => `${p.name} ${presenceText(chat.presenceOf(p.id))}`).join(', ');
}
