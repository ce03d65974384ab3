import { Limits, type Message } from '../../../common/contract.js';
import type { Chat, Room } from '../model/chat.js';
import { plainText, renderMarkdown } from '../model/markdown.js';
import { button, el } from './dom.js';
import type { MessageCommands } from './message-commands.js';
import type { UiState } from './ui-state.js';

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

/** One reaction chip as a message's row shows it. */
export interface ReactionValues {
  emoji: string;
  count: number;
  mine: boolean;
  who: string;
}

/**
 * What a held message's row shows besides the message itself: its reactions, what the page
 * is doing with it (editing, confirming a deletion, picking a reaction, reporting) and what
 * the last action said. The editor's and the report's drafts are not among them: the input
 * owns its text, and the UiState keeps a copy only to refill it when the row is rebuilt.
 */
export interface ActionValues {
  room: string;
  own: boolean;
  /** Deletable by the user as a moderator: the author ranks lower. */
  removable: boolean;
  /** Others' messages in rooms: conversations have nobody to report to. */
  reportable: boolean;
  editing: boolean;
  saving: boolean;
  confirming: boolean;
  picking: boolean;
  reporting: boolean;
  sending: boolean;
  note: string | undefined;
  error: string | undefined;
  reactions: ReactionValues[];
  /** The text an edit starts from. */
  text: string;
  author: string;
}

/** The action values of a held message, from the chat and the page's state. */
export function actionValues(
  message: Message,
  own: boolean,
  room: Room,
  chat: Chat,
  ui: UiState,
): ActionValues {
  const state = ui.messages;
  const id = message.id;
  return {
    room: room.name,
    own,
    removable: !own && chat.mayModerate(room.name, message.author.id),
    reportable: !own && room.kind === 'room',
    editing: state.editing?.id === id,
    saving: state.editing?.id === id && state.editing.saving,
    confirming: state.confirming === id,
    picking: state.picking === id,
    reporting: state.reporting?.id === id,
    sending: state.reporting?.id === id && state.reporting.sending,
    note: state.notes.get(id),
    error: state.errors.get(id),
    reactions: (message.reactions ?? []).map((reaction) => ({
      emoji: reaction.emoji,
      count: reaction.users.length,
      mine: reaction.users.some((u) => u.id === chat.user.id),
      who: reaction.users.map((u) => u.name).join(', '),
    })),
    text: message.text,
    author: message.author.name,
  };
}

/** The row of message `id` in the list, if shown. */
const rowOf = (id: string): HTMLElement | null =>
  document.querySelector<HTMLElement>(`#message-list > [data-key="${CSS.escape(id)}"]`);

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

/** Runs after every render: puts focus where the last action asked for it. */
export function restoreMessageFocus(ui: UiState): void {
  const state = ui.messages;
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

/** Escape runs `cancel`. */
function onEscape(node: HTMLElement, cancel: () => void): void {
  node.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      cancel();
    }
  });
}

/** The reactions under a message: one chip per emoji with its count, the user's pressed. */
function reactionsNode(id: string, v: ActionValues, act: MessageCommands): HTMLElement[] {
  if (v.reactions.length === 0) return [];
  const chips = v.reactions.map((reaction) => {
    const chip = button(
      '',
      () => {
        act.toggleReaction(v.room, id, reaction.emoji);
      },
      {
        className: 'reaction',
        attrs: {
          'aria-pressed': String(reaction.mine),
          title: reaction.who,
          'aria-label': `${reaction.emoji} ${reaction.count}: ${reaction.who}`,
          'data-emoji': reaction.emoji,
          'data-testid': 'reaction',
        },
      },
    );
    chip.append(
      el('span', { className: 'reaction-emoji', text: reaction.emoji }),
      el('span', { className: 'reaction-count', text: String(reaction.count) }),
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

function pickerNode(id: string, v: ActionValues, act: MessageCommands): HTMLElement {
  const picker = el('div', {
    className: 'reaction-picker',
    attrs: { role: 'group', 'aria-label': 'Pick a reaction' },
  });
  for (const { emoji, name } of REACTIONS) {
    picker.append(
      button(
        emoji,
        () => {
          act.pick(v.room, id, emoji);
        },
        { className: 'pick', attrs: { 'aria-label': `React with ${name}`, title: name } },
      ),
    );
  }
  onEscape(picker, () => {
    act.closePicker(id);
  });
  return picker;
}

function editorNode(id: string, v: ActionValues, act: MessageCommands): HTMLElement {
  const input = el('textarea', {
    attrs: { 'aria-label': 'Edit message', rows: '2', maxlength: String(act.maxTextLength) },
  });
  input.value = act.editDraft() ?? v.text;
  input.readOnly = v.saving;
  const cancel = () => {
    act.cancelEdit(id);
  };
  const save = () => {
    act.saveEdit(v.room, id, v.text, input.value);
  };
  input.addEventListener('input', () => {
    act.keepEditDraft(id, input.value);
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

function confirmNode(id: string, v: ActionValues, act: MessageCommands): HTMLElement {
  const node = el(
    'div',
    { className: 'msg-confirm', attrs: { role: 'group', 'aria-label': 'Delete this message?' } },
    el('span', { text: 'Delete this message?' }),
    button(
      'Delete',
      () => {
        act.confirmDelete(v.room, id);
      },
      { className: 'link-button danger confirm-delete' },
    ),
    button(
      'Cancel',
      () => {
        act.cancelDelete(id);
      },
      { className: 'link-button cancel-delete' },
    ),
  );
  onEscape(node, () => {
    act.cancelDelete(id);
  });
  return node;
}

/** The in-page form that asks why a message is reported, and sends the report. */
function reportNode(id: string, v: ActionValues, act: MessageCommands): HTMLElement {
  const inputId = `report-reason-${id}`;
  const cancel = () => {
    act.cancelReport(id);
  };
  const input = el('input', {
    attrs: { id: inputId, maxlength: String(Limits.reasonMaxLength), autocomplete: 'off' },
  });
  input.value = act.reportDraft() ?? '';
  input.readOnly = v.sending;
  input.addEventListener('input', () => {
    act.keepReportDraft(id, input.value);
  });
  const submit = el('button', {
    className: 'link-button strong',
    text: v.sending ? 'Reporting…' : 'Report',
    attrs: { type: 'submit' },
  });
  submit.disabled = v.sending;
  const form = el(
    'form',
    {
      className: 'msg-report',
      attrs: { 'aria-label': `Report ${v.author}’s message`, novalidate: '' },
    },
    el('label', { text: 'Why are you reporting this message?', attrs: { for: inputId } }),
    input,
    el('div', { className: 'msg-editor-actions' }, submit, button('Cancel', cancel)),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    act.sendReport(v.room, id, input.value);
  });
  onEscape(form, cancel);
  return form;
}

/**
 * The action bar of a message: reply, react, for one's own edit and delete, delete for a
 * moderator of the room when the author ranks lower, and report for others' messages in rooms.
 */
function actionsNode(message: Message, v: ActionValues, act: MessageCommands): HTMLElement {
  const id = message.id;
  const bar = el('div', {
    className: 'msg-actions',
    // A toolbar: one stop of the Tab key, Left and Right along it (timeline-keys.ts).
    attrs: { role: 'toolbar', 'aria-label': 'Message actions' },
  });
  bar.append(
    button(
      'Reply',
      () => {
        act.reply(v.room, message);
      },
      { className: 'link-button act-reply' },
    ),
    button(
      'React',
      () => {
        act.togglePicker(id);
      },
      { className: 'link-button act-react', attrs: { 'aria-expanded': String(v.picking) } },
    ),
  );
  bar.append(
    button(
      'Copy link',
      () => {
        act.copyLink(v.room, id);
      },
      { className: 'link-button act-link' },
    ),
  );
  if (v.own) {
    bar.append(
      button(
        'Edit',
        () => {
          act.startEdit(id, v.text);
        },
        { className: 'link-button act-edit' },
      ),
    );
  }
  if (v.own || v.removable) {
    bar.append(
      button(
        'Delete',
        () => {
          act.askDelete(id);
        },
        { className: 'link-button act-delete' },
      ),
    );
  }
  if (v.reportable) {
    bar.append(
      button(
        'Report',
        () => {
          act.toggleReport(id);
        },
        {
          className: 'link-button act-report',
          attrs: { 'aria-expanded': String(v.reporting) },
        },
      ),
    );
  }
  return bar;
}

/**
 * Everything a held message shows besides its head and text: the editor in place of the
 * text while editing, the reactions, the deletion's confirm step, the picker, the report
 * form and what the last action said; and apart from them the actions, shown over the row.
 */
export function messageExtras(
  message: Message,
  v: ActionValues,
  act: MessageCommands,
): { editor?: HTMLElement; actions?: HTMLElement; below: HTMLElement[] } {
  const id = message.id;
  const editor = v.editing ? editorNode(id, v, act) : undefined;
  const below: HTMLElement[] = [...reactionsNode(id, v, act)];
  if (v.confirming) below.push(confirmNode(id, v, act));
  const actions = v.confirming || editor ? undefined : actionsNode(message, v, act);
  if (v.picking) below.push(pickerNode(id, v, act));
  if (v.reporting && !editor) below.push(reportNode(id, v, act));
  if (v.note !== undefined) {
    below.push(el('p', { className: 'msg-note', text: v.note, attrs: { role: 'status' } }));
  }
  if (v.error !== undefined) {
    below.push(el('p', { className: 'msg-error', text: v.error, attrs: { role: 'alert' } }));
  }
  return { ...(editor ? { editor } : {}), ...(actions ? { actions } : {}), below };
}

/** What a quote says of the message it answers: its text, or that it is gone. */
function quoteText(text: string, held: Message | undefined): string | undefined {
  if (text === '' || held?.deleted) return undefined;
  return plainText(renderMarkdown(text));
}

/** What a reply's quote shows: who, what (undefined: gone), and whether it links to it. */
export interface QuoteValues {
  id: string;
  author: string;
  text: string | undefined;
  linked: boolean;
}

export function quoteValues(
  quote: { id: string; author: { name: string }; text: string },
  room: Room,
): QuoteValues {
  const held = room.timeline.get(quote.id);
  return {
    id: quote.id,
    author: quote.author.name,
    text: quoteText(quote.text, held),
    linked: room.timeline.has(quote.id),
  };
}

/**
 * The quote a reply shows of the message it answers. While that message is in the timeline
 * the quote is a button that brings it into view.
 */
export function quoteNode(quote: QuoteValues): HTMLElement {
  const parts = [
    el('span', { className: 'visually-hidden', text: 'In reply to ' }),
    el('span', { className: 'quote-author', text: quote.author }),
    el('span', {
      className: `quote-text${quote.text === undefined ? ' gone' : ''}`,
      text: quote.text ?? 'deleted message',
    }),
  ];
  if (!quote.linked) {
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
