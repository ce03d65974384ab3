import type { Message } from '../../../common/contract.js';
import type { Chat } from '../model/chat.js';
import { byId } from './dom.js';
import { plainText, renderMarkdown } from '../model/markdown.js';
import { roomLabel } from './format.js';

/** Characters of a message a notification shows. */
const BODY_MAX = 160;

const supported = (): boolean => typeof window.Notification === 'function';

/** Shows whether notifications are on, and the button that asks for them while undecided. */
function renderControl(): void {
  const enable = byId('enable-notifications', HTMLButtonElement);
  const status = byId('notify-status');
  if (!supported()) {
    enable.hidden = true;
    status.textContent = 'This browser cannot show notifications.';
    return;
  }
  const permission = Notification.permission;
  enable.hidden = permission !== 'default';
  status.textContent =
    permission === 'granted'
      ? 'Notifications are on for mentions while the chat is hidden.'
      : permission === 'denied'
        ? 'Notifications are blocked in the browser’s settings.'
        : '';
}

/**
 * The "Enable notifications" control. The browser is asked for permission only when the
 * person clicks it, never unprompted: browsers hold unprompted requests against a site.
 */
export function wireNotifications(): void {
  const enable = byId('enable-notifications', HTMLButtonElement);
  enable.addEventListener('click', () => {
    if (!supported()) return;
    void Notification.requestPermission().then(renderControl, renderControl);
  });
  renderControl();
}

/**
 * A message mentioned the user: while the page is hidden and notifications are allowed, the
 * system shows one. Every hidden tab of the user hears of the mention; the tag makes the
 * system show it once.
 */
export function notifyMention(chat: Chat, message: Message): void {
  if (!document.hidden || !supported() || Notification.permission !== 'granted') return;
  const room = chat.rooms.get(message.room);
  const where = room ? roomLabel(room, chat) : `#${message.room}`;
  const text = plainText(renderMarkdown(message.text));
  const notification = new Notification(`${message.author.name} mentioned you in ${where}`, {
    body: text.length > BODY_MAX ? `${text.slice(0, BODY_MAX - 1)}…` : text,
    tag: `mention:${message.room}:${message.id}`,
  });
  notification.addEventListener('click', () => {
    window.focus();
    if (chat.rooms.has(message.room)) chat.select(message.room);
    else void chat.join(message.room);
    notification.close();
  });
}
