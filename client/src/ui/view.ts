import type { Member, Message } from '../../../common/contract.js';
import type { Chat, OutgoingMessage, Room } from '../model/chat.js';
import type { ConnectionState } from '../model/connection-state.js';
import { button, byId, el, reconcile } from './dom.js';
import { plainText, renderMarkdown, type Rendered } from '../model/markdown.js';
import {
  actionSignature,
  afterRender,
  editedMark,
  messageExtras,
  quoteNode,
  quoteSignature,
  renderReplyBar,
} from './message-actions.js';
import {
  afterMembersRender,
  memberActionSignature,
  memberModeration,
  renderBanned,
  roleBadge,
} from './member-actions.js';
import { renderAudit } from './audit-panel.js';
import { renderInvite } from './invite-panel.js';
import { renderOperatorTools } from './operator-tools.js';
import { renderReports } from './reports-panel.js';
import { renderRoomHeader } from './room-header.js';
import { positionOf } from '../model/timeline.js';

export { byId } from './dom.js';

/** What the status bar says of each connection state. */
const CONNECTION_LABELS: Record<ConnectionState, string> = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
};

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
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

/** DOM nodes for rendered Markdown; every string is set as text, links open a new tab. */
function markdownNodes(nodes: readonly Rendered[]): Node[] {
  return nodes.map((node) => {
    if (typeof node === 'string') return document.createTextNode(node);
    const children = markdownNodes(node.children);
    if (node.tag !== 'a') return el(node.tag, {}, ...children);
    return el(
      'a',
      { attrs: { href: node.href, target: '_blank', rel: 'noopener noreferrer' } },
      ...children,
    );
  });
}

function avatarNode(author: Member): HTMLElement {
  const avatar = el('span', {
    className: 'avatar',
    text: initial(author.name),
    attrs: { 'aria-hidden': 'true' },
  });
  // Through the CSSOM: the page's CSP refuses inline style attributes.
  avatar.style.setProperty('--avatar-hue', String(hueOf(author.id)));
  return avatar;
}

/** How a message row is drawn: `held` rows are in the timeline and can be acted on. */
interface MessageLook {
  own: boolean;
  status: 'sent' | 'pending' | 'failed';
  continued: boolean;
  held: boolean;
}

function messageNode(message: Message, look: MessageLook, room: Room, chat: Chat) {
  const { own, status, continued, held } = look;
  const time = el('time', {
    className: 'msg-time',
    text: timeFormat.format(message.ts),
    attrs: { datetime: new Date(message.ts).toISOString() },
  });
  // A message that continues its author's group shows no name or avatar; screen readers
  // still hear who wrote it.
  const head = continued
    ? el(
        'div',
        { className: 'msg-head' },
        el('span', { className: 'msg-author visually-hidden', text: message.author.name }),
        time,
        ...editedMark(message),
      )
    : el(
        'div',
        { className: 'msg-head' },
        avatarNode(message.author),
        el('span', { className: 'msg-author', text: message.author.name }),
        // Posted by a program through the push API: no person can send a message marked so.
        ...(message.author.bot ? [el('span', { className: 'msg-bot', text: 'bot' })] : []),
        time,
        ...editedMark(message),
      );
  const mentionsMe = message.mentions?.some((m) => m.id === chat.user.id) === true;
  const classes = ['msg'];
  if (own) classes.push('own');
  if (continued) classes.push('continued');
  if (message.deleted) classes.push('deleted');
  if (mentionsMe && !message.deleted) classes.push('mentions-me');
  const node = el('li', {
    className: classes.join(' '),
    // Focusable from script only: a quote's click and a deletion move focus to a row.
    attrs: { 'data-status': status, 'data-testid': 'message', tabindex: '-1' },
  });
  if (message.deleted) {
    const text = message.removedByModerator ? 'Removed by a moderator' : 'This message was deleted';
    node.append(head, el('p', { className: 'msg-tombstone', text }));
    return node;
  }
  const extras = held ? messageExtras(message, own, room, chat) : { below: [] };
  node.append(
    head,
    ...(message.replyTo ? [quoteNode(message.replyTo, room)] : []),
    extras.editor ??
      el('div', { className: 'msg-text' }, ...markdownNodes(renderMarkdown(message.text))),
    ...extras.below,
  );
  return node;
}

/** Where the messages start that were new when the room was last opened. */
function newDividerNode(): HTMLElement {
  return el(
    'li',
    { className: 'new-divider', attrs: { 'data-testid': 'new-divider' } },
    el('span', { text: 'New messages' }),
  );
}

function noticeNode(text: string, tone: 'info' | 'warning'): HTMLElement {
  return el('li', {
    className: `notice ${tone}`,
    text,
    attrs: { 'data-testid': tone === 'warning' ? 'gap-notice' : 'notice' },
  });
}

function daySeparatorNode(ts: number, label: string): HTMLElement {
  return el(
    'li',
    { className: 'day-separator', attrs: { 'data-testid': 'day-separator' } },
    el('time', { text: label, attrs: { datetime: dayKey(ts) } }),
  );
}

const linkButton = (text: string, onClick: () => void) => button(text, onClick);

function pendingNode(
  item: OutgoingMessage,
  room: Room,
  chat: Chat,
  ts: number,
  continued: boolean,
) {
  const original = item.replyTo === undefined ? undefined : room.timeline.get(item.replyTo);
  const message: Message = {
    id: item.clientId,
    room: item.room,
    author: chat.user,
    text: item.text,
    ts,
    ...(original
      ? { replyTo: { id: original.id, author: original.author, text: original.text } }
      : {}),
  };
  const node = messageNode(
    message,
    { own: true, status: item.status, continued, held: false },
    room,
    chat,
  );
  const state = el('div', { className: 'msg-state' });
  if (item.status === 'pending') {
    state.append(el('span', { className: 'pending-mark', text: 'Sending…' }));
  } else {
    const retry = linkButton('Retry', () => {
      chat.retry(item.clientId);
    });
    const discard = linkButton('Discard', () => {
      chat.discard(item.clientId);
    });
    state.append(
      el('span', { className: 'failed-mark', text: item.error ?? 'Not delivered.' }),
      retry,
      discard,
    );
  }
  node.append(state);
  return node;
}

function typingText(room: Room): string {
  const names = [...room.presence.typing.values()].map((t) => t.member.name);
  if (names.length === 0) return '';
  if (names.length === 1) return `${names[0] ?? ''} is typing…`;
  if (names.length === 2) return `${names[0] ?? ''} and ${names[1] ?? ''} are typing…`;
  return `${names.length} people are typing…`;
}

/**
 * Starts (or goes to) a direct conversation with a member. Its word comes from the style
 * sheet, so the entry's text stays the member's name; the label says whom it writes to.
 */
function messageButton(member: Member, chat: Chat): HTMLButtonElement {
  const error = byId('member-error');
  return button(
    '',
    () => {
      error.textContent = '';
      chat.openDirect([member.id]).then(
        (problem) => {
          error.textContent = problem ?? '';
        },
        () => {
          error.textContent = 'Could not open the conversation; try again.';
        },
      );
    },
    {
      className: 'member-message',
      attrs: { 'aria-label': `Message ${member.name}`, title: `Message ${member.name}` },
    },
  );
}

/**
 * A member's entry: name, role, "Message", and for those the user outranks, "Moderate" with
 * its tools below.
 */
function memberNode(member: Member, isSelf: boolean, room: Room, chat: Chat): HTMLElement {
  const moderation = memberModeration(member, room, chat);
  return el(
    'li',
    { className: 'member', attrs: { 'data-testid': 'member' } },
    avatarNode(member),
    el('span', { className: 'member-name', text: member.name }),
    ...roleBadge(room, member),
    isSelf
      ? el('span', { className: 'you', text: '(you)' })
      : el(
          'span',
          { className: 'member-buttons' },
          messageButton(member, chat),
          ...moderation.toggle,
        ),
    ...moderation.below,
  );
}

/** What a member's entry depends on besides the member, for its signature. */
function memberSignature(member: Member, room: Room, chat: Chat): string {
  const muted = room.muted.get(member.id);
  return [
    member.name,
    member.id === chat.self?.id,
    room.roleOf(member.id),
    chat.roleIn(room.name),
    chat.mayModerate(room.name, member.id),
    muted === undefined ? '' : String(muted.until ?? 'lifted'),
    memberActionSignature(member.id),
  ].join('|');
}

/** A colour for a user id: the same person always gets the same one. */
export function hueOf(id: string): number {
  let hash = 0;
  for (let i = 0; i < id.length; i++) hash = (hash * 31 + id.charCodeAt(i)) >>> 0;
  return hash % 360;
}

const initial = (name: string): string => Array.from(name)[0]?.toUpperCase() ?? '?';

type Row = { key: string; sig: string; build: () => HTMLElement };

/**
 * The rows of the room's list: its timeline and this tab's unacknowledged messages, with a
 * separator before each new local day and each message marked when it continues a group.
 * The signature carries everything a row's look depends on, so a row is rebuilt when, say,
 * a page of older messages makes what was the first message of a group a continuation.
 */
function timelineRows(room: Room, chat: Chat): Row[] {
  const now = Date.now();
  const rows: Row[] = [];
  const separators = new Set<string>();
  let previous: Placed | undefined;
  let lastDay: string | undefined;
  const place = (placed: Placed): boolean => {
    const day = dayKey(placed.ts);
    if (day !== lastDay) {
      lastDay = day;
      // Keys must be unique; a clock that went back a day must not repeat one.
      let key = `day-${day}`;
      while (separators.has(key)) key += '+';
      separators.add(key);
      const label = dayLabel(placed.ts, now);
      rows.push({ key, sig: label, build: () => daySeparatorNode(placed.ts, label) });
      previous = undefined;
    }
    const continued = continues(previous, placed);
    previous = placed;
    return continued;
  };
  for (const item of room.timeline.items) {
    if (item.kind === 'notice') {
      previous = undefined;
      rows.push({
        key: item.key,
        sig: `notice|${item.tone}|${item.text}`,
        build: () => noticeNode(item.text, item.tone),
      });
      continue;
    }
    const { message, own } = item;
    let continued = place({ authorId: message.author.id, ts: message.ts });
    if (message.id === room.dividerAt) {
      // After the day's separator, so that a day still starts with its date.
      rows.push({ key: 'new-divider', sig: 'divider', build: newDividerNode });
      continued = false;
    }
    const look = { own, status: 'sent', continued, held: true } as const;
    rows.push({
      key: item.key,
      sig: [
        'message',
        continued,
        positionOf(message),
        message.removedByModerator === true,
        chat.mayModerate(room.name, message.author.id),
        actionSignature(message.id),
        quoteSignature(message.replyTo, room),
      ].join('|'),
      build: () => messageNode(message, look, room, chat),
    });
  }
  for (const item of chat.pendingFor(room.name)) {
    const continued = place({ authorId: chat.user.id, ts: now });
    const quoted =
      item.replyTo === undefined
        ? ''
        : `${item.replyTo}:${quoteSignature({ id: item.replyTo, author: chat.user, text: '' }, room)}`;
    rows.push({
      key: `pending-${item.clientId}`,
      sig: `${item.status}|${item.error ?? ''}|${continued}|${quoted}`,
      build: () => pendingNode(item, room, chat, now, continued),
    });
  }
  return rows;
}

/** Within this many pixels of the end, the reader counts as reading the newest messages. */
const BOTTOM_SLACK_PX = 40;

const isAtBottom = (scroller: HTMLElement): boolean =>
  scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < BOTTOM_SLACK_PX;

/** The room in view and the newest of its messages the reader has had in view. */
let reading: { room: string; seen: string | undefined } | undefined;

function newestKey(room: Room): string | undefined {
  const items = room.timeline.items;
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i];
    if (item?.kind === 'message') return item.key;
  }
  return undefined;
}

/** Others' messages placed after the one the reader last saw. */
function unseenCount(room: Room, seen: string | undefined): number {
  const items = room.timeline.items;
  const from = items.findIndex((item) => item.key === seen);
  if (from < 0) return 0;
  return items.slice(from + 1).filter((item) => item.kind === 'message' && !item.own).length;
}

/** Shows the "jump to newest" button while the reader is scrolled up, hides it at the end. */
function updateJump(room: Room | undefined): void {
  const button = byId('jump-newest', HTMLButtonElement);
  if (!room) {
    button.hidden = true;
    return;
  }
  if (reading?.room !== room.name) reading = { room: room.name, seen: newestKey(room) };
  if (isAtBottom(byId('messages'))) {
    reading.seen = newestKey(room);
    button.hidden = true;
    return;
  }
  const count = unseenCount(room, reading.seen);
  const label = count === 0 ? '' : `${count} new ${count === 1 ? 'message' : 'messages'}`;
  const sig = String(count);
  if (button.dataset.count !== sig) {
    button.dataset.count = sig;
    // The visible words are part of the accessible name, which also says what it does.
    const words =
      count === 0
        ? [el('span', { text: 'Jump to newest' })]
        : [
            el('span', { className: 'visually-hidden', text: 'Jump to newest: ' }),
            el('span', { className: 'jump-count', text: label }),
          ];
    button.replaceChildren(el('span', { text: '↓', attrs: { 'aria-hidden': 'true' } }), ...words);
  }
  button.hidden = false;
}

/** Wires the message list's scrolling and its "jump to newest" button. */
export function wireTimeline(chat: Chat): void {
  const scroller = byId('messages');
  const button = byId('jump-newest', HTMLButtonElement);
  scroller.addEventListener(
    'scroll',
    () => {
      updateJump(chat.currentRoom);
    },
    { passive: true },
  );
  button.addEventListener('click', () => {
    scroller.scrollTop = scroller.scrollHeight;
    updateJump(chat.currentRoom);
    // The button is gone: keep keyboard users in the messages rather than at the page's top.
    scroller.focus({ preventScroll: true });
  });
}

/** Renders the whole chat; safe to call on every change. */
export function render(chat: Chat): void {
  const status = byId('status');
  status.dataset.state = chat.connection;
  byId('status-text').textContent = CONNECTION_LABELS[chat.connection];
  const transport = byId('transport');
  transport.dataset.transport = chat.transport ?? '';
  transport.textContent = chat.transport ?? '—';
  byId('me-name').textContent = chat.user.name;

  renderRooms(chat);
  renderCurrentRoom(chat);
  renderAlert(chat);
  afterRender();
  afterMembersRender();
}

/** What a room is called on screen: `#name`, or a conversation's other participants. */
export function roomLabel(room: Room, chat: Chat): string {
  return room.kind === 'direct' ? room.title(chat.user.id) : `#${room.name}`;
}

/** A room's or a conversation's entry in the sidebar, with its unread and mention counts. */
function roomButton(room: Room, chat: Chat): HTMLElement {
  const current = chat.current === room.name;
  const entry = el(
    'button',
    {
      className: 'room-button',
      attrs: { type: 'button', 'data-room': room.name, 'aria-current': String(current) },
    },
    el('span', { className: 'room-name', text: roomLabel(room, chat) }),
  );
  const badges = el('span', { className: 'badges' });
  if (room.mentions > 0) {
    const label = `${room.mentions} ${room.mentions === 1 ? 'mention' : 'mentions'}`;
    badges.append(
      el('span', {
        className: 'badge mention',
        text: `@${room.mentions}`,
        attrs: { 'aria-label': label, title: label, 'data-testid': 'mentions' },
      }),
    );
  }
  if (room.unread > 0) {
    badges.append(
      el('span', {
        className: 'badge',
        text: String(room.unread),
        attrs: { 'aria-label': `${room.unread} unread`, 'data-testid': 'unread' },
      }),
    );
  }
  if (badges.childElementCount > 0) entry.append(badges);
  entry.addEventListener('click', () => {
    // A conversation listed from its first message is joined by the chat once selected.
    chat.select(room.name);
  });
  return el('li', {}, entry);
}

function renderRooms(chat: Chat): void {
  const held = [...chat.rooms.values()];
  const signature = (r: Room) =>
    `${roomLabel(r, chat)}|${r.unread}|${r.mentions}|${chat.current === r.name}`;
  const build = (r: Room) => roomButton(r, chat);
  reconcile(
    byId('joined-rooms'),
    held.filter((r) => r.kind !== 'direct'),
    (r) => r.name,
    signature,
    build,
  );
  const direct = held.filter((r) => r.kind === 'direct');
  reconcile(byId('direct-list'), direct, (r) => r.name, signature, build);
  byId('direct-empty').hidden = direct.length > 0;

  const others = chat.directory.filter((r) => !chat.rooms.has(r.name));
  reconcile(
    byId('all-rooms'),
    others,
    (r) => r.name,
    (r) => `${r.name}|${r.members}`,
    (r) => {
      const button = el(
        'button',
        { className: 'room-button', attrs: { type: 'button', 'data-room': r.name } },
        el('span', { className: 'room-name', text: `#${r.name}` }),
        el('span', {
          className: 'count',
          text: String(r.members),
          attrs: { 'aria-label': `${r.members} online` },
        }),
      );
      button.addEventListener('click', () => {
        void chat.join(r.name);
      });
      return el('li', {}, button);
    },
  );
}

/**
 * Why a join failed, or why the user is no longer in a room (kicked, banned, until when),
 * above the messages where it is seen on a phone too, until dismissed.
 */
function renderAlert(chat: Chat): void {
  const text = chat.joinError ?? '';
  const alert = byId('chat-alert');
  const line = byId('chat-alert-text');
  if (line.textContent !== text) line.textContent = text;
  alert.hidden = text === '';
}

function renderCurrentRoom(chat: Chat): void {
  const room = chat.currentRoom;
  const list = byId('message-list');
  const scroller = byId('messages');
  const composer = byId('composer-input', HTMLTextAreaElement);
  byId('leave-room').hidden = room === undefined || room.kind === 'direct';
  renderReplyBar(chat);
  renderRoomHeader(room, chat);
  renderInvite(room, chat);
  renderAudit(room, chat);
  renderReports(room, chat);
  renderOperatorTools(chat);
  renderBanned(room, chat);
  if (!room) {
    byId('room-title').textContent = 'No room';
    byId('room-count').textContent = 'Join a room to start chatting';
    reconcile(
      list,
      [],
      () => '',
      () => '',
      () => el('li'),
    );
    byId('member-list').replaceChildren();
    byId('typing').textContent = '';
    byId('load-earlier').hidden = true;
    byId('empty-room').hidden = true;
    composer.disabled = true;
    updateJump(undefined);
    return;
  }
  composer.disabled = false;
  const label = roomLabel(room, chat);
  composer.placeholder = `Message ${label}`;
  byId('room-title').textContent = label;
  byId('room-count').textContent = room.joined
    ? `${room.presence.count} ${room.presence.count === 1 ? 'member' : 'members'} online`
    : 'joining…';

  // Keep the view pinned to the newest message unless the reader scrolled up.
  const atBottom = isAtBottom(scroller);
  const firstBefore = list.firstElementChild;
  const offsetBefore = firstBefore instanceof HTMLElement ? firstBefore.offsetTop : 0;
  const switched = list.dataset.room !== room.name;
  list.dataset.room = room.name;

  const rows = timelineRows(room, chat);
  const shown = new Set<string | undefined>();
  for (const child of list.children) if (child instanceof HTMLElement) shown.add(child.dataset.key);
  // A message this tab has just sent: it is brought into view wherever the reader was.
  const sentNow = rows.some((r) => r.key.startsWith('pending-') && !shown.has(r.key));
  reconcile(
    list,
    rows,
    (r) => r.key,
    (r) => r.sig,
    (r) => r.build(),
  );

  const loadEarlier = byId('load-earlier', HTMLButtonElement);
  loadEarlier.hidden = !room.timeline.hasMore;
  loadEarlier.disabled = room.loadingEarlier;
  loadEarlier.textContent = room.loadingEarlier ? 'Loading…' : 'Load earlier messages';
  byId('empty-room').hidden = rows.length > 0 || !room.joined;

  if (switched || atBottom || sentNow) {
    scroller.scrollTop = scroller.scrollHeight;
    // Arriving in a room with news: its first new message goes to the top, if it would not show.
    const divider = switched ? list.querySelector('.new-divider') : null;
    divider?.scrollIntoView({ block: 'nearest' });
  } else if (firstBefore instanceof HTMLElement && firstBefore.isConnected) {
    // Older messages were put above: keep what the reader was looking at in place.
    scroller.scrollTop += firstBefore.offsetTop - offsetBefore;
  }
  updateJump(room);

  byId('typing').textContent = typingText(room);
  const members = [...room.presence.members.values()].sort((a, b) => a.name.localeCompare(b.name));
  reconcile(
    byId('member-list'),
    members,
    (m) => m.id,
    (m) => memberSignature(m, room, chat),
    (m) => memberNode(m, m.id === chat.self?.id, room, chat),
  );
}

/** Reads a new message aloud to screen-reader users, without re-reading the whole list. */
export function announce(message: Message, chat: Chat): void {
  const announcer = byId('announcer');
  const room = chat.rooms.get(message.room);
  const where = room ? roomLabel(room, chat) : `#${message.room}`;
  // The text as shown, without the Markdown markers a screen reader would spell out.
  const text = plainText(renderMarkdown(message.text));
  const line = el('p', { text: `${message.author.name} in ${where}: ${text}` });
  announcer.append(line);
  while (announcer.childElementCount > 5) announcer.firstElementChild?.remove();
}
