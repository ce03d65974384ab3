import { Limits, type Message, type Reaction, type ReplyQuote } from '../../../common/contract.js';
import type { Chat, Room } from '../model/chat.js';
import { button, el } from './dom.js';
import { plainText, renderMarkdown } from '../model/markdown.js';

/**
 * The reactions the picker offers: fully qualified RGI emoji (the server refuses anything
 * else), with the names screen readers hear.
 */
export const REACTIONS: readonly { emoji: string; name: string }[] = [
  { emoji: '\u{1F44D}', name: 'thumbs up' },
  { emoji: '\u2764\uFE0F', name: 'red heart' },
  { emoji: '\u{1F602}', name: 'face with tears of joy' },
  { emoji: '\u{1F389}', name: 'party popper' },
  { emoji: '\u{1F62E}', name: 'face with open mouth' },
  { emoji: '\u{1F622}', name: 'crying face' },
];

/**
 * What the page is doing with messages, besides what the chat holds: at most one message is
 * being edited, one asks to confirm its deletion and one has its reaction picker open. It
 * lives here, not in the chat, because no other tab or device cares; rows carry it in their
 * signature, so a row is rebuilt when its part of it changes.
 */
interface ActionState {
  editing: { id: string; draft: string; saving: boolean } | undefined;
  confirming: string | undefined;
  picking: string | undefined;
  /** The message being reported, with the reason written so far. */
  reporting: { id: string; draft: string; sending: boolean } | undefined;
  /** What the page says under a message after an action went well ("Reported…"). */
  notes: Map<string, string>;
  /** The last error of a change to a message, shown under it until the next try. */
  errors: Map<string, string>;
  /** The message the composer answers. */
  reply: { room: string; message: Message } | undefined;
  /** What to focus after the next render: an element of a message's row, by selector. */
  focus: { id: string; selector: string } | undefined;
}

const state: ActionState = {
  editing: undefined,
  confirming: undefined,
  picking: undefined,
  reporting: undefined,
  notes: new Map(),
  errors: new Map(),
  reply: undefined,
  focus: undefined,
};

let rerender: () => void = () => undefined;

/** Gives the actions a way to redraw the page after a change of their own state. */
export function wireMessageActions(render: () => void): void {
  rerender = render;
}

/** The row of message `id` in the list, if shown. */
const rowOf = (id: string): HTMLElement | null =>
  document.querySelector<HTMLElement>(`#message-list > [data-key="${CSS.escape(id)}"]`);

/** Redraws, then moves focus to `selector` within message `id` (its row itself without one). */
function update(id?: string, selector = ''): void {
  if (id !== undefined) state.focus = { id, selector };
  rerender();
}

/** Runs after every render: puts focus where the last action asked for it. */
export function afterRender(): void {
  const editing = state.editing;
  if (editing && document.activeElement === document.body) {
    // The editor's row was rebuilt (someone reacted meanwhile): keep the writer in it.
    rowOf(editing.id)?.querySelector<HTMLElement>('.msg-editor textarea')?.focus();
  }
  const reporting = state.reporting;
  if (reporting && document.activeElement === document.body) {
    rowOf(reporting.id)?.querySelector<HTMLElement>('.msg-report input')?.focus();
  }
  const focus = state.focus;
  state.focus = undefined;
  if (!focus) return;
  const row = rowOf(focus.id);
  const target = focus.selector === '' ? row : row?.querySelector<HTMLElement>(focus.selector);
  target?.focus();
}

/** The part of the action state a message's row depends on, for its signature. */
export function actionSignature(id: string): string {
  const editing = state.editing?.id === id ? `e${state.editing.saving ? 's' : ''}` : '';
  const confirming = state.confirming === id ? 'c' : '';
  const picking = state.picking === id ? 'p' : '';
  const reporting = state.reporting?.id === id ? `r${state.reporting.sending ? 's' : ''}` : '';
  const note = state.notes.get(id) ?? '';
  return `${editing}${confirming}${picking}${reporting}|${note}|${state.errors.get(id) ?? ''}`;
}

/** The message the composer in `room` answers, if any. */
export function replyingTo(room: string | undefined): Message | undefined {
  return state.reply?.room === room ? state.reply?.message : undefined;
}

export function cancelReply(): void {
  state.reply = undefined;
  rerender();
}

/**
 * Sends a change and shows the error it resolves with under the message; `done` hears how
 * it ended before the page is redrawn.
 */
function run(
  id: string,
  change: Promise<string | undefined>,
  done?: (error: string | undefined) => void,
): void {
  state.errors.delete(id);
  const settle = (error: string | undefined) => {
    if (error !== undefined) state.errors.set(id, error);
    done?.(error);
    rerender();
  };
  change.then(settle, () => {
    settle('Something went wrong; try again.');
  });
}

const names = (reaction: Reaction): string => reaction.users.map((u) => u.name).join(', ');

/** "(edited)", with the time of the edit as its title. */
export function editedMark(message: Message): HTMLElement[] {
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

/** What a quote says of the message it answers: its text, or that it is gone. */
function quoteText(quote: ReplyQuote, room: Room): string | undefined {
  if (quote.text === '' || room.timeline.get(quote.id)?.deleted) return undefined;
  return plainText(renderMarkdown(quote.text));
}

/** What a reply's row depends on of the message it quotes: whether it is held, or deleted. */
export function quoteSignature(quote: ReplyQuote | undefined, room: Room): string {
  if (!quote) return '';
  const held = room.timeline.get(quote.id);
  return held ? (held.deleted ? 'deleted' : 'held') : 'absent';
}

/** Scrolls to message `id` and highlights it for a moment; false if it is not shown. */
export function revealMessage(id: string): boolean {
  const row = rowOf(id);
  if (!row) return false;
  // At once, not smoothly: a render while a smooth scroll is under way may pin the list
  // back to its end.
  row.scrollIntoView({ block: 'center' });
  // Restarting the animation needs a frame without the class when it is still there.
  row.classList.remove('flash');
  requestAnimationFrame(() => {
    row.classList.add('flash');
  });
  row.addEventListener(
    'animationend',
    () => {
      row.classList.remove('flash');
    },
    { once: true },
  );
  row.focus({ preventScroll: true });
  return true;
}

/**
 * The quote a reply shows of the message it answers. While that message is in the timeline
 * the quote is a button that brings it into view.
 */
export function quoteNode(quote: ReplyQuote, room: Room): HTMLElement {
  const text = quoteText(quote, room);
  const parts = [
    el('span', { className: 'visually-hidden', text: 'In reply to ' }),
    el('span', { className: 'quote-author', text: quote.author.name }),
    el('span', {
      className: `quote-text${text === undefined ? ' gone' : ''}`,
      text: text ?? 'deleted message',
    }),
  ];
  if (!room.timeline.has(quote.id)) {
    return el('div', { className: 'msg-quote', attrs: { 'data-testid': 'quote' } }, ...parts);
  }
  const node = button(
    '',
    () => {
      revealMessage(quote.id);
    },
    {
      className: 'msg-quote',
      attrs: { 'data-testid': 'quote', title: 'Show the message this one answers' },
    },
  );
  node.append(...parts);
  return node;
}

/** The reactions under a message: one chip per emoji with its count, the user's pressed. */
export function reactionsNode(message: Message, room: Room, chat: Chat): HTMLElement[] {
  const reactions = message.reactions ?? [];
  if (reactions.length === 0 || message.deleted) return [];
  const chips = reactions.map((reaction) => {
    const mine = reaction.users.some((u) => u.id === chat.user.id);
    const who = names(reaction);
    const chip = button(
      '',
      () => {
        run(message.id, chat.toggleReaction(room.name, message.id, reaction.emoji));
      },
      {
        className: 'reaction',
        attrs: {
          'aria-pressed': String(mine),
          title: who,
          'aria-label': `${reaction.emoji} ${reaction.users.length}: ${who}`,
          'data-emoji': reaction.emoji,
          'data-testid': 'reaction',
        },
      },
    );
    chip.append(
      el('span', { className: 'reaction-emoji', text: reaction.emoji }),
      el('span', { className: 'reaction-count', text: String(reaction.users.length) }),
    );
    return chip;
  });
  return [
    el(
      'div',
      { className: 'reactions', attrs: { role: 'group', 'aria-label': 'Reactions' } },
      ...chips,
    ),
  ];
}

function pickerNode(message: Message, room: Room, chat: Chat): HTMLElement {
  const close = () => {
    state.picking = undefined;
    update(message.id, '.act-react');
  };
  const picker = el('div', {
    className: 'reaction-picker',
    attrs: { role: 'group', 'aria-label': 'Pick a reaction' },
  });
  for (const { emoji, name } of REACTIONS) {
    picker.append(
      button(
        emoji,
        () => {
          state.picking = undefined;
          run(message.id, chat.toggleReaction(room.name, message.id, emoji));
          update(message.id, '.act-react');
        },
        { className: 'pick', attrs: { 'aria-label': `React with ${name}`, title: name } },
      ),
    );
  }
  picker.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      close();
    }
  });
  return picker;
}

function editorNode(message: Message, room: Room, chat: Chat): HTMLElement {
  const editing = state.editing;
  const input = el('textarea', {
    attrs: { 'aria-label': 'Edit message', rows: '2', maxlength: '2000' },
  });
  input.value = editing?.draft ?? message.text;
  input.readOnly = editing?.saving ?? false;
  const cancel = () => {
    state.editing = undefined;
    state.errors.delete(message.id);
    update(message.id, '.act-edit');
  };
  const save = () => {
    const draft = input.value;
    if (draft.trim() === message.text) {
      cancel();
      return;
    }
    if (draft.trim() === '') {
      state.errors.set(message.id, 'A message cannot be empty: delete it instead.');
      update(message.id, '.msg-editor textarea');
      return;
    }
    state.editing = { id: message.id, draft, saving: true };
    run(message.id, chat.edit(room.name, message.id, draft), (error) => {
      if (state.editing?.id !== message.id) return;
      if (error === undefined) {
        state.editing = undefined;
        state.focus = { id: message.id, selector: '.act-edit' };
      } else {
        // The editor stays open with the draft, to try again.
        state.editing.saving = false;
        state.focus = { id: message.id, selector: '.msg-editor textarea' };
      }
    });
    rerender();
  };
  input.addEventListener('input', () => {
    if (state.editing?.id === message.id) state.editing.draft = input.value;
  });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      if (!input.readOnly) save();
    } else if (event.key === 'Escape') {
      event.preventDefault();
      cancel();
    }
  });
  return el(
    'div',
    { className: 'msg-editor' },
    input,
    el(
      'div',
      { className: 'msg-editor-actions' },
      el('span', { className: 'hint', text: 'Enter saves, Escape cancels' }),
      button('Cancel', cancel),
      button('Save', save, { className: 'link-button strong' }),
    ),
  );
}

function confirmNode(message: Message, room: Room, chat: Chat): HTMLElement {
  const cancel = () => {
    state.confirming = undefined;
    update(message.id, '.act-delete');
  };
  const node = el(
    'div',
    { className: 'msg-confirm', attrs: { role: 'group', 'aria-label': 'Delete this message?' } },
    el('span', { text: 'Delete this message?' }),
    button(
      'Delete',
      () => {
        state.confirming = undefined;
        // The row becomes a tombstone without buttons: focus goes to the row itself.
        run(message.id, chat.deleteMessage(room.name, message.id), (error) => {
          state.focus = { id: message.id, selector: error === undefined ? '' : '.act-delete' };
        });
        update(message.id, '');
      },
      { className: 'link-button danger confirm-delete' },
    ),
    button('Cancel', cancel, { className: 'link-button cancel-delete' }),
  );
  node.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      cancel();
    }
  });
  return node;
}

/** What the reporter is told once the report is filed. */
export const REPORTED_NOTE = 'Reported. The people who run this room will look at it.';

/** The in-page form that asks why a message is reported, and sends the report. */
function reportNode(message: Message, room: Room, chat: Chat): HTMLElement {
  const reporting = state.reporting;
  const sending = reporting?.sending === true;
  const inputId = `report-reason-${message.id}`;
  const cancel = () => {
    state.reporting = undefined;
    state.errors.delete(message.id);
    update(message.id, '.act-report');
  };
  const input = el('input', {
    attrs: { id: inputId, maxlength: String(Limits.reasonMaxLength), autocomplete: 'off' },
  });
  input.value = reporting?.draft ?? '';
  input.readOnly = sending;
  input.addEventListener('input', () => {
    if (state.reporting?.id === message.id) state.reporting.draft = input.value;
  });
  const submit = el('button', {
    className: 'link-button strong',
    text: sending ? 'Reporting…' : 'Report',
    attrs: { type: 'submit' },
  });
  submit.disabled = sending;
  const form = el(
    'form',
    {
      className: 'msg-report',
      attrs: { 'aria-label': `Report ${message.author.name}’s message`, novalidate: '' },
    },
    el('label', { text: 'Why are you reporting this message?', attrs: { for: inputId } }),
    input,
    el('div', { className: 'msg-editor-actions' }, submit, button('Cancel', cancel)),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (state.reporting?.id !== message.id || state.reporting.sending) return;
    const reason = input.value.trim();
    if (reason === '') {
      state.errors.set(message.id, 'Say why, in a few words.');
      update(message.id, '.msg-report input');
      return;
    }
    state.reporting = { id: message.id, draft: input.value, sending: true };
    state.notes.delete(message.id);
    run(message.id, chat.reports.reportMessage(room.name, message.id, reason), (error) => {
      if (state.reporting?.id !== message.id) return;
      if (error === undefined) {
        state.reporting = undefined;
        state.notes.set(message.id, REPORTED_NOTE);
        state.focus = { id: message.id, selector: '.act-report' };
      } else {
        state.reporting.sending = false;
        state.focus = { id: message.id, selector: '.msg-report input' };
      }
    });
    rerender();
  });
  form.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      cancel();
    }
  });
  return form;
}

/**
 * The action bar of a message: reply, react, for one's own edit and delete, delete for a
 * moderator of the room when the author ranks lower (`removable`), and report for others'
 * messages in rooms (`reportable`: conversations have nobody to report to).
 */
function actionsNode(
  message: Message,
  own: boolean,
  removable: boolean,
  reportable: boolean,
  room: Room,
): HTMLElement {
  const bar = el('div', {
    className: 'msg-actions',
    attrs: { role: 'group', 'aria-label': 'Message actions' },
  });
  bar.append(
    button(
      'Reply',
      () => {
        state.reply = { room: room.name, message };
        rerender();
        document.getElementById('composer-input')?.focus();
      },
      { className: 'link-button act-reply' },
    ),
    button(
      'React',
      () => {
        state.picking = state.picking === message.id ? undefined : message.id;
        update(message.id, state.picking ? '.reaction-picker .pick' : '.act-react');
      },
      {
        className: 'link-button act-react',
        attrs: { 'aria-expanded': String(state.picking === message.id) },
      },
    ),
  );
  if (own) {
    bar.append(
      button(
        'Edit',
        () => {
          state.confirming = undefined;
          state.editing = { id: message.id, draft: message.text, saving: false };
          update(message.id, '.msg-editor textarea');
        },
        { className: 'link-button act-edit' },
      ),
    );
  }
  if (own || removable) {
    bar.append(
      button(
        'Delete',
        () => {
          state.editing = undefined;
          state.confirming = message.id;
          update(message.id, '.cancel-delete');
        },
        { className: 'link-button act-delete' },
      ),
    );
  }
  if (reportable) {
    bar.append(
      button(
        'Report',
        () => {
          const open = state.reporting?.id === message.id;
          state.reporting = open ? undefined : { id: message.id, draft: '', sending: false };
          state.errors.delete(message.id);
          update(message.id, open ? '.act-report' : '.msg-report input');
        },
        {
          className: 'link-button act-report',
          attrs: { 'aria-expanded': String(state.reporting?.id === message.id) },
        },
      ),
    );
  }
  return bar;
}

/**
 * Everything a held message shows besides its head and text: the editor in place of the
 * text while editing, the reactions, the actions (or the deletion's confirm step), the
 * picker and the last error. A deleted message has none of them.
 */
export function messageExtras(
  message: Message,
  own: boolean,
  room: Room,
  chat: Chat,
): { editor?: HTMLElement; below: HTMLElement[] } {
  if (message.deleted) return { below: [] };
  const editor = state.editing?.id === message.id ? editorNode(message, room, chat) : undefined;
  const below: HTMLElement[] = [...reactionsNode(message, room, chat)];
  if (state.confirming === message.id) below.push(confirmNode(message, room, chat));
  else if (!editor) {
    const removable = !own && chat.mayModerate(room.name, message.author.id);
    const reportable = !own && room.kind === 'room';
    below.push(actionsNode(message, own, removable, reportable, room));
  }
  if (state.picking === message.id) below.push(pickerNode(message, room, chat));
  if (state.reporting?.id === message.id && !editor) below.push(reportNode(message, room, chat));
  const note = state.notes.get(message.id);
  if (note !== undefined) {
    below.push(el('p', { className: 'msg-note', text: note, attrs: { role: 'status' } }));
  }
  const error = state.errors.get(message.id);
  if (error !== undefined) {
    below.push(el('p', { className: 'msg-error', text: error, attrs: { role: 'alert' } }));
  }
  return editor ? { editor, below } : { below };
}

/** The bar above the composer while replying: who and what is answered, and a way out. */
export function renderReplyBar(chat: Chat): void {
  const bar = document.getElementById('reply-bar');
  const text = document.getElementById('reply-text');
  if (!bar || !text) return;
  const message = replyingTo(chat.current);
  bar.hidden = message === undefined;
  if (!message) return;
  const sig = `${message.id}|${message.author.name}`;
  if (bar.dataset.sig === sig) return;
  bar.dataset.sig = sig;
  const quote = plainText(renderMarkdown(message.text));
  text.replaceChildren(
    'Replying to ',
    el('strong', { text: message.author.name }),
    ': ',
    el('span', { className: 'reply-quote', text: quote }),
  );
}
