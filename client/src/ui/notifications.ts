import { isDirectRoom, type Message } from '../../../common/contract.js';
import type { Chat } from '../model/chat.js';
import { byId } from './dom.js';
import { plainText, renderMarkdown } from '../model/markdown.js';
import { roomLabel } from './format.js';

/** Characters of a message a notification shows. */
const BODY_MAX = 160;

const supported = (): boolean => typeof window.Notification === 'function';

const BLOCKED =
  'Notifications are blocked in this browser; allow them in the site settings to be told of mentions and direct messages.';
const DISMISSED =
  'Notifications are still off: the browser’s question was dismissed. Enable them to be told of mentions and direct messages.';

/**
 * Shows whether notifications are on, and the button that asks for them while undecided.
 * `answer` is what the browser's question just resolved with, if it was asked: a browser may
 * resolve 'denied' before its `permission` says so, and a dismissed question leaves it 'default'.
 */
function renderControl(answer?: NotificationPermission): void {
  const enable = byId('enable-notifications', HTMLButtonElement);
  const status = byId('notify-status');
  if (!supported()) {
    enable.hidden = true;
    status.textContent = 'This browser cannot show notifications.';
    return;
  }
  const permission = answer === 'denied' ? 'denied' : Notification.permission;
  enable.hidden = permission !== 'default';
  status.textContent =
    permission === 'granted'
      ? 'Notifications are on for mentions and direct messages while the chat is hidden.'
      : permission === 'denied'
        ? BLOCKED
        : answer === undefined
          ? ''
          : DISMISSED;
}

/**
 * The "Enable notifications" control. The browser is asked for permission only when the
 * person clicks it, never unprompted: browsers hold unprompted requests against a site.
 */
export function wireNotifications(): void {
  const enable = byId('enable-notifications', HTMLButtonElement);
  enable.addEventListener('click', () => {
    if (!supported()) return;
    void Notification.requestPermission().then(renderControl, () => {
      renderControl('default');
    });
  });
  renderControl();
}

/** Shows a system notification of `message` that brings its room into view when clicked. */
function show(chat: Chat, message: Message, title: string, tag: string): void {
  const text = plainText(renderMarkdown(message.text));
  const notification = new Notification(title, {
    body: text.length > BODY_MAX ? `${text.slice(0, BODY_MAX - 1)}…` : text,
    tag,
  });
  notification.addEventListener('click', () => {
    window.focus();
    if (chat.rooms.has(message.room)) chat.select(message.room);
    else void chat.join(message.room);
    notification.close();
  });
}

/** While the page is hidden and notifications are allowed. */
const mayNotify = (): boolean =>
  document.hidden && supported() && Notification.permission === 'granted';

/**
 * A message mentioned the user: while the page is hidden and notifications are allowed, the
 * system shows one. Every hidden tab of the user hears of the mention; the tag makes the
 * system show it once.
 */
export function notifyMention(chat: Chat, message: Message): void {
  if (!mayNotify()) return;
  const room = chat.rooms.get(message.room);
  const where = room ? roomLabel(room, chat) : `#${message.room}`;
  show(chat, message, `${message.author.name} mentioned you in ${where}`, mentionTag(message));
}

const mentionTag = (message: Message): string => `mention:${message.room}:${message.id}`;

/**
 * Someone else wrote in one of the user's direct conversations: notified as a mention is,
 * by every hidden tab under one tag. A message that also mentions the user is left to its
 * mention, for one notification, not two.
 */
export function notifyDirect(chat: Chat, message: Message): void {
  if (!isDirectRoom(message.room) || message.author.id === chat.user.id) return;
  if (message.mentions?.some((m) => m.id === chat.user.id)) return;
  if (!mayNotify()) return;
  show(chat, message, `${message.author.name} sent you a direct message`, mentionTag(message));
}
