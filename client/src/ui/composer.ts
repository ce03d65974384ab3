import { messageLength } from '../../../common/text.js';
import type { Message } from '../../../common/contract.js';
import type { Chat } from '../model/chat.js';
import type { TimelineItem } from '../model/timeline.js';
import { plainText, renderMarkdown } from '../model/markdown.js';
import { byId, el, sameValues } from './dom.js';
import { roomLabel, sanctionText } from './format.js';
import { createMentionPopup } from './mention-popup.js';
import { cancelReply, replyingTo, startEditing } from './message-commands.js';
import type { Panel, UiState } from './ui-state.js';

/** While typing, `typing: true` is repeated this often so that it does not expire, in ms. */
const TYPING_REPEAT_MS = 3000;
/** Typing stops counting this long after the last keystroke, in ms. */
const TYPING_IDLE_MS = 2500;
/** The composer grows with its text up to this height, in px. */
const COMPOSER_MAX_HEIGHT_PX = 160;

/** What Enter sends: the trimmed text, or nothing when only blanks were typed. */
export function composedText(value: string): string | undefined {
  const text = value.trim();
  return text === '' ? undefined : text;
}

/** The user's newest message in the room that may still be edited, if any. */
export function lastEditable(items: readonly TimelineItem[]): Message | undefined {
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i];
    if (item?.kind === 'message' && item.own && item.message.deleted !== true) return item.message;
  }
  return undefined;
}

const hasModifier = (event: KeyboardEvent): boolean =>
  event.shiftKey || event.altKey || event.ctrlKey || event.metaKey || event.isComposing;

/** The count shows once the text is within this share of the bound. */
const COUNT_FROM = 0.9;

/**
 * What the composer says of its length against the server's bound, counted as the server
 * counts it (characters of the trimmed text, not UTF-16 units): nothing far from the bound,
 * the count near it, and past it why the text will not be sent. Nothing is ever cut off.
 */
export function lengthNote(
  value: string,
  max: number,
): { text: string; over: boolean } | undefined {
  const length = messageLength(value);
  if (length > max) {
    return {
      text: `${length.toLocaleString('en')} characters: at most ${max.toLocaleString('en')} can be sent. Shorten it, or split it in two.`,
      over: true,
    };
  }
  if (length < max * COUNT_FROM) return undefined;
  return { text: `${length.toLocaleString('en')} / ${max.toLocaleString('en')}`, over: false };
}

/** Tells the room the user is typing, at most every TYPING_REPEAT_MS, until idle. */
function typingSignal(chat: Chat) {
  let typingSince = 0;
  let idle: ReturnType<typeof setTimeout> | undefined;
  const stop = () => {
    clearTimeout(idle);
    if (typingSince !== 0) chat.setTyping(false);
    typingSince = 0;
  };
  const typed = () => {
    const now = Date.now();
    if (now - typingSince > TYPING_REPEAT_MS) {
      typingSince = now;
      chat.setTyping(true);
    }
    clearTimeout(idle);
    idle = setTimeout(stop, TYPING_IDLE_MS);
  };
  return { stop, typed };
}

/** The bar above the composer while replying: who and what is answered, and a way out. */
function createReplyBar(ui: UiState, chat: Chat): Panel {
  const bar = byId('reply-bar');
  const text = byId('reply-text');
  let shown: { id: string; author: string; quote: string } | undefined;
  return {
    update() {
      const message = replyingTo(ui, chat.current);
      bar.hidden = message === undefined;
      if (!message) return;
      const values = {
        id: message.id,
        author: message.author.name,
        quote: plainText(renderMarkdown(message.text)),
      };
      if (sameValues(shown, values)) return;
      shown = values;
      text.replaceChildren(
        'Replying to ',
        el('strong', { text: values.author }),
        ': ',
        el('span', { className: 'reply-quote', text: values.quote }),
      );
    },
  };
}

/** Keys that move the caret without typing: the `@…` it stands in may change. */
const CARET_KEYS = new Set(['ArrowLeft', 'ArrowRight', 'Home', 'End']);

/**
 * While the user is muted in the room in view: the composer closed, and why and until when
 * next to it. The chat changes when the minutes left go down and when the mute ends.
 */
function createMuteNote(chat: Chat): { update(): boolean } {
  const note = byId('composer-muted');
  const input = byId('composer-input', HTMLTextAreaElement);
  const send = byId('send', HTMLButtonElement);
  return {
    update() {
      const now = Date.now();
      const mute = chat.currentRoom?.muteOf(chat.user.id, now);
      const text = mute ? sanctionText('You are muted here', mute.until, now) : '';
      if (note.textContent !== text) note.textContent = text;
      note.hidden = mute === undefined;
      send.disabled = mute !== undefined;
      if (mute) input.disabled = true;
      return mute !== undefined;
    },
  };
}

/**
 * The composer: Enter sends (Shift+Enter starts a line), Escape drops the reply, the field
 * grows with its text, and the room hears that the user is typing. After `@` and a letter
 * it suggests people to mention, and while it does, the suggestions take Up, Down, Enter,
 * Tab and Escape first.
 */
export function createComposer(ui: UiState, chat: Chat): Panel {
  const form = byId('composer', HTMLFormElement);
  const input = byId('composer-input', HTMLTextAreaElement);
  const count = byId('composer-count');
  // The server's bound (SessionInfo.maxTextLength). Not `maxlength`, which would cut a long
  // paste off without a word: the count says how far over it is, and Enter refuses.
  const measure = () => {
    const note = lengthNote(input.value, ui.maxTextLength);
    count.hidden = note === undefined;
    count.textContent = note?.text ?? '';
    count.classList.toggle('over', note?.over === true);
    input.setAttribute('aria-invalid', String(note?.over === true));
    return note;
  };
  const typing = typingSignal(chat);
  const replyBar = createReplyBar(ui, chat);
  const mentions = createMentionPopup(chat, input);
  const muteNote = createMuteNote(chat);
  const autosize = () => {
    input.style.height = 'auto';
    input.style.height = `${Math.min(input.scrollHeight, COMPOSER_MAX_HEIGHT_PX)}px`;
  };
  const submit = () => {
    const text = composedText(input.value);
    if (text === undefined || measure()?.over === true) return;
    const reply = replyingTo(ui, chat.current);
    mentions.close();
    chat.send(input.value, chat.current, reply?.id);
    if (reply) cancelReply(ui);
    input.value = '';
    autosize();
    measure();
    typing.stop();
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submit();
    input.focus();
  });
  input.addEventListener('keydown', (event) => {
    if (mentions.keydown(event)) return;
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit();
    } else if (event.key === 'ArrowUp' && input.value === '' && !hasModifier(event)) {
      // As in the chats people know: Up in an empty composer edits one's last message.
      const last = lastEditable(chat.currentRoom?.timeline.items ?? []);
      if (!last) return;
      event.preventDefault();
      startEditing(ui, last.id, last.text);
    } else if (event.key === 'Escape' && replyingTo(ui, chat.current)) {
      event.preventDefault();
      cancelReply(ui);
    }
  });
  byId('reply-cancel').addEventListener('click', () => {
    cancelReply(ui);
    input.focus();
  });
  input.addEventListener('keyup', (event) => {
    if (CARET_KEYS.has(event.key)) mentions.refresh();
  });
  input.addEventListener('input', () => {
    mentions.refresh();
    autosize();
    measure();
    if (composedText(input.value) === undefined) typing.stop();
    else typing.typed();
  });
  return {
    update() {
      replyBar.update();
      const room = chat.currentRoom;
      input.disabled = room === undefined;
      if (muteNote.update()) typing.stop();
      if (room) input.placeholder = `Message ${roomLabel(room, chat)}`;
    },
  };
}
