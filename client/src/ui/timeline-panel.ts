import { ErrorCode, type Member, type Message } from '../../../common/contract.js';
import type { Chat, Room } from '../model/chat.js';
import { renderMarkdown, type Rendered } from '../model/markdown.js';
import { button, byId, el, keyedList, type Row } from './dom.js';
import {
  avatarNode,
  continues,
  dayKey,
  dayLabel,
  sanctionText,
  timeFormat,
  type Placed,
} from './format.js';
import {
  actionValues,
  messageExtras,
  quoteNode,
  quoteValues,
  type ActionValues,
  type QuoteValues,
} from './message-actions.js';
import { createMessageCommands, type MessageCommands } from './message-commands.js';
import { noticeText } from './notice-text.js';
import { createRoving } from './timeline-keys.js';
import type { Panel, UiState } from './ui-state.js';

/** What a message's row shows: the message, how it is placed, and what can be done with it. */
interface MessageValues {
  kind: 'message';
  message: Message;
  own: boolean;
  status: 'sent' | 'pending' | 'failed';
  continued: boolean;
  mentionsMe: boolean;
  /** The message a followed link named. */
  linked: boolean;
  quote: QuoteValues | undefined;
  /** Held, undeleted messages only: rows of the timeline that can be acted on. */
  actions: ActionValues | undefined;
  /** This tab's unacknowledged messages only. */
  pending: { clientId: string; error: string | undefined; retryable: boolean } | undefined;
}

type RowValues =
  | MessageValues
  | { kind: 'day'; ts: number; label: string }
  | { kind: 'notice'; text: string; tone: 'info' | 'warning' }
  | { kind: 'divider' };

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

/** "(edited)", with the time of the edit as its title. */
function editedMark(message: Message): HTMLElement[] {
  if (message.editedAt === undefined || message.deleted) return [];
  const at = new Date(message.editedAt);
  return [
    el('span', {
      className: 'msg-edited',
      text: '(edited)',
      attrs: { title: `Edited ${at.toLocaleString()}`, 'data-testid': 'edited' },
    }),
  ];
}

/** A message's name and time; one that continues its author's group shows no name or avatar. */
function headNode(message: Message, continued: boolean): HTMLElement {
  const time = el('time', {
    className: 'msg-time',
    text: timeFormat.format(message.ts),
    attrs: { datetime: new Date(message.ts).toISOString() },
  });
  // Screen readers still hear who wrote a continued message.
  if (continued) {
    return el(
      'div',
      { className: 'msg-head' },
      el('span', { className: 'msg-author visually-hidden', text: message.author.name }),
      time,
      ...editedMark(message),
    );
  }
  return el(
    'div',
    { className: 'msg-head' },
    avatarNode(message.author),
    el('span', { className: 'msg-author', text: message.author.name }),
    // Posted by a program through the push API: no person can send a message marked so.
    ...(message.author.bot ? [el('span', { className: 'msg-bot', text: 'bot' })] : []),
    time,
    ...editedMark(message),
  );
}

function pendingState(v: MessageValues, act: MessageCommands): HTMLElement {
  const state = el('div', { className: 'msg-state' });
  const pending = v.pending;
  if (!pending || v.status === 'pending') {
    state.append(el('span', { className: 'pending-mark', text: 'Sending…' }));
    return state;
  }
  state.append(
    el('span', { className: 'failed-mark', text: pending.error ?? 'Not delivered.' }),
    ...(pending.retryable
      ? [
          button('Retry', () => {
            act.retry(pending.clientId);
          }),
        ]
      : []),
    button('Discard', () => {
      act.discard(pending.clientId);
    }),
  );
  return state;
}

/**
 * A message's row: the bubble (head, quote, text, what is under it) and the actions, which
 * float over the row's corner while it is hovered or holds focus, so that they take no line.
 */
function messageNode(v: MessageValues, act: MessageCommands): HTMLElement {
  const { message } = v;
  const classes = ['msg'];
  if (v.own) classes.push('own');
  if (v.continued) classes.push('continued');
  if (message.deleted) classes.push('deleted');
  if (v.mentionsMe && !message.deleted) classes.push('mentions-me');
  if (v.linked) classes.push('linked');
  const node = el('li', {
    className: classes.join(' '),
    // The roving tabindex (timeline-keys.ts) gives one row 0; a quote's click and a deletion
    // move focus to a row from script.
    attrs: {
      'data-status': v.status,
      'data-testid': 'message',
      tabindex: '-1',
      ...(v.linked ? { 'aria-current': 'true', title: 'The message the link names' } : {}),
    },
  });
  const body = el('div', { className: 'msg-body' }, headNode(message, v.continued));
  node.append(body);
  if (message.deleted) {
    const text = message.removedByModerator ? 'Removed by a moderator' : 'This message was deleted';
    body.append(el('p', { className: 'msg-tombstone', text }));
    return node;
  }
  const extras: ReturnType<typeof messageExtras> = v.actions
    ? messageExtras(message, v.actions, act)
    : { below: [] };
  body.append(
    ...(v.quote ? [quoteNode(v.quote)] : []),
    extras.editor ??
      el('div', { className: 'msg-text' }, ...markdownNodes(renderMarkdown(message.text))),
    ...extras.below,
  );
  if (v.pending) body.append(pendingState(v, act));
  if (extras.actions) node.append(extras.actions);
  return node;
}

function rowNode(v: RowValues, act: MessageCommands): HTMLElement {
  switch (v.kind) {
    case 'message':
      return messageNode(v, act);
    case 'divider':
      // Where the messages start that were new when the room was last opened.
      return el(
        'li',
        { className: 'new-divider', attrs: { 'data-testid': 'new-divider' } },
        el('span', { text: 'New messages' }),
      );
    case 'notice':
      return el('li', {
        className: `notice ${v.tone}`,
        text: v.text,
        attrs: { 'data-testid': v.tone === 'warning' ? 'gap-notice' : 'notice' },
      });
    case 'day':
      return el(
        'li',
        { className: 'day-separator', attrs: { 'data-testid': 'day-separator' } },
        el('time', { text: v.label, attrs: { datetime: dayKey(v.ts) } }),
      );
  }
}

/** Places rows in days: a separator before each new local day, and who continues a group. */
function dayPlacer(rows: Row<RowValues>[], now: number) {
  const separators = new Set<string>();
  let previous: Placed | undefined;
  let lastDay: string | undefined;
  return {
    /** A notice or the divider ends a group. */
    breakGroup(): void {
      previous = undefined;
    },
    /** Adds the day's separator if `placed` starts a day; true when it continues a group. */
    place(placed: Placed): boolean {
      const day = dayKey(placed.ts);
      if (day !== lastDay) {
        lastDay = day;
        // Keys must be unique; a clock that went back a day must not repeat one.
        let key = `day-${day}`;
        while (separators.has(key)) key += '+';
        separators.add(key);
        rows.push({ key, values: { kind: 'day', ts: placed.ts, label: dayLabel(placed.ts, now) } });
        previous = undefined;
      }
      const continued = continues(previous, placed);
      previous = placed;
      return continued;
    },
  };
}

/**
 * The rows of the room's list: its timeline and this tab's unacknowledged messages, with a
 * separator before each new local day and each message marked when it continues a group.
 */
function timelineRows(room: Room, chat: Chat, ui: UiState): Row<RowValues>[] {
  const now = Date.now();
  const rows: Row<RowValues>[] = [];
  const days = dayPlacer(rows, now);
  const mentionsMe = (m: Message) => m.mentions?.some((u) => u.id === chat.user.id) === true;
  for (const item of room.timeline.items) {
    if (item.kind === 'notice') {
      days.breakGroup();
      rows.push({
        key: item.key,
        values: { kind: 'notice', text: noticeText(item.notice), tone: item.tone },
      });
      continue;
    }
    const { message, own } = item;
    let continued = days.place({ authorId: message.author.id, ts: message.ts });
    if (message.id === room.dividerAt) {
      // After the day's separator, so that a day still starts with its date.
      rows.push({ key: 'new-divider', values: { kind: 'divider' } });
      continued = false;
    }
    rows.push({
      key: item.key,
      values: {
        kind: 'message',
        message,
        own,
        status: 'sent',
        continued,
        mentionsMe: mentionsMe(message),
        linked: ui.linked?.room === room.name && ui.linked.id === message.id,
        quote: message.replyTo && !message.deleted ? quoteValues(message.replyTo, room) : undefined,
        actions: message.deleted ? undefined : actionValues(message, own, room, chat, ui),
        pending: undefined,
      },
    });
  }
  for (const item of chat.pendingFor(room.name)) rows.push(pendingRow(item, room, chat, days, now));
  return rows;
}

type PendingItem = ReturnType<Chat['pendingFor']>[number];

function pendingRow(
  item: PendingItem,
  room: Room,
  chat: Chat,
  days: ReturnType<typeof dayPlacer>,
  ts: number,
): Row<RowValues> {
  const continued = days.place({ authorId: chat.user.id, ts });
  const original = item.replyTo === undefined ? undefined : room.timeline.get(item.replyTo);
  const author: Member = chat.user;
  const message: Message = { id: item.clientId, room: item.room, author, text: item.text, ts };
  return {
    key: `pending-${item.clientId}`,
    values: {
      kind: 'message',
      message,
      own: true,
      status: item.status,
      continued,
      mentionsMe: false,
      linked: false,
      quote: original ? quoteValues(original, room) : undefined,
      actions: undefined,
      pending: pendingValues(item, room, chat.user.id),
    },
  };
}

/**
 * A failed message's sentence and whether Retry is offered: not after a mute while it is in
 * force, since a retry cannot get past it (the composer says when it ends); a mute's end is
 * said in local time.
 */
function pendingValues(
  item: PendingItem,
  room: Room,
  self: string,
): NonNullable<MessageValues['pending']> {
  const { clientId, refusal } = item;
  if (refusal?.code !== ErrorCode.MUTED) return { clientId, error: item.error, retryable: true };
  const now = Date.now();
  const error =
    refusal.until === undefined
      ? refusal.message
      : sanctionText('You are muted here', refusal.until, now);
  return { clientId, error, retryable: room.muteOf(self, now) === undefined };
}

/** Within this many pixels of the end, the reader counts as reading the newest messages. */
const BOTTOM_SLACK_PX = 40;

const isAtBottom = (scroller: HTMLElement): boolean =>
  scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < BOTTOM_SLACK_PX;

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

/** The "jump to newest" button: shown while the reader is scrolled up, hidden at the end. */
function createJump(ui: UiState, chat: Chat): Panel {
  const scroller = byId('messages');
  const button = byId('jump-newest', HTMLButtonElement);
  let shownCount: number | undefined;
  const update = () => {
    const room = chat.currentRoom;
    if (!room) {
      button.hidden = true;
      return;
    }
    if (ui.reading?.room !== room.name) ui.reading = { room: room.name, seen: newestKey(room) };
    if (isAtBottom(scroller)) {
      ui.reading.seen = newestKey(room);
      button.hidden = true;
      return;
    }
    const count = unseenCount(room, ui.reading.seen);
    if (shownCount !== count) {
      shownCount = count;
      const label = `${count} new ${count === 1 ? 'message' : 'messages'}`;
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
  };
  scroller.addEventListener('scroll', update, { passive: true });
  button.addEventListener('click', () => {
    scroller.scrollTop = scroller.scrollHeight;
    update();
    // The button is gone: keep keyboard users in the messages rather than at the page's top.
    scroller.focus({ preventScroll: true });
  });
  return { update };
}

/**
 * The message list of the room in view: its rows, "Load earlier messages", the empty state
 * and "jump to newest". It stays pinned to the newest message unless the reader scrolled up,
 * and keeps what the reader looks at in place when older messages come in above.
 */
export function createTimelinePanel(ui: UiState, chat: Chat): Panel {
  const list = byId('message-list');
  const scroller = byId('messages');
  const loadEarlier = byId('load-earlier', HTMLButtonElement);
  const act = createMessageCommands(ui, chat);
  const rows = keyedList<RowValues>(list, (v) => rowNode(v, act));
  const roving = createRoving(list);
  const jump = createJump(ui, chat);
  let shownRoom: string | undefined;
  loadEarlier.addEventListener('click', () => {
    void chat.loadEarlier();
  });
  const update = () => {
    const room = chat.currentRoom;
    if (!room) {
      rows.update([]);
      roving.apply();
      loadEarlier.hidden = true;
      byId('empty-room').hidden = true;
      jump.update();
      return;
    }
    const atBottom = isAtBottom(scroller);
    const firstBefore = list.firstElementChild;
    const offsetBefore = firstBefore instanceof HTMLElement ? firstBefore.offsetTop : 0;
    const switched = shownRoom !== room.name;
    shownRoom = room.name;
    const next = timelineRows(room, chat, ui);
    const shown = new Set<string | undefined>();
    for (const child of list.children)
      if (child instanceof HTMLElement) shown.add(child.dataset.key);
    // A message this tab has just sent: it is brought into view wherever the reader was.
    const sentNow = next.some((r) => r.key.startsWith('pending-') && !shown.has(r.key));
    rows.update(next);
    roving.apply();
    loadEarlier.hidden = !room.timeline.hasMore;
    loadEarlier.disabled = room.loadingEarlier;
    loadEarlier.textContent = room.loadingEarlier ? 'Loading…' : 'Load earlier messages';
    byId('empty-room').hidden = next.length > 0 || !room.joined;
    if (switched || atBottom || sentNow) {
      scroller.scrollTop = scroller.scrollHeight;
      // Arriving in a room with news: its first new message goes to the top, if it would not show.
      const divider = switched ? list.querySelector('.new-divider') : null;
      divider?.scrollIntoView({ block: 'nearest' });
    } else if (firstBefore instanceof HTMLElement && firstBefore.isConnected) {
      // Older messages were put above: keep what the reader was looking at in place.
      scroller.scrollTop += firstBefore.offsetTop - offsetBefore;
    }
    jump.update();
  };
  return { update };
}
