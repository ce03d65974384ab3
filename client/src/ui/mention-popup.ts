import type { Chat } from '../model/chat.js';
import {
  insertMention,
  mentionCandidates,
  mentionQueryAt,
  mentionSources,
  type MentionCandidate,
  type MentionQuery,
} from '../model/mention-complete.js';
import { byId, el } from './dom.js';
import { avatarNode } from './format.js';

/** The suggestions under an `@…` in the composer, as the composer drives them. */
export interface MentionPopup {
  /** Handles a key of the composer while suggestions show; true when it took the key. */
  keydown(event: KeyboardEvent): boolean;
  /** Looks again at the text and caret (after typing, a click, a pick). */
  refresh(): void;
  close(): void;
}

interface Open {
  room: string;
  at: MentionQuery;
  candidates: MentionCandidate[];
  active: number;
}

const optionId = (i: number): string => `mention-option-${i}`;

function optionNode(c: MentionCandidate, i: number, active: boolean): HTMLElement {
  return el(
    'li',
    {
      className: 'mention-option',
      attrs: { id: optionId(i), role: 'option', 'aria-selected': String(active) },
    },
    avatarNode(c.member),
    el('span', { className: 'mention-name', text: c.member.name }),
    el('span', {
      className: 'mention-username',
      text: c.member.username === undefined ? 'guest' : `@${c.member.username}`,
    }),
  );
}

/** What to suggest for the text and caret of the message box now, if anything. */
function suggestionsAt(chat: Chat, input: HTMLTextAreaElement): Omit<Open, 'active'> | undefined {
  const room = chat.currentRoom;
  if (!room || input.selectionStart !== input.selectionEnd) return undefined;
  const at = mentionQueryAt(input.value, input.selectionStart);
  if (!at) return undefined;
  const sources = mentionSources(chat.rooms.values(), room, chat.user.id);
  const candidates = mentionCandidates(at.query, sources);
  return candidates.length === 0 ? undefined : { room: room.name, at, candidates };
}

/** A press on an option picks it, without taking the focus from the message box. */
function wireOptions(list: HTMLElement, pick: (i: number) => void): void {
  list.addEventListener('mousedown', (event) => {
    event.preventDefault();
  });
  list.addEventListener('click', (event) => {
    const option = (event.target as Element).closest('[role="option"]');
    const i = [...list.children].indexOf(option as Element);
    if (i >= 0) pick(i);
  });
}

/**
 * A listbox of the people an `@…` may name, under the message box, which keeps the focus
 * (the textarea points at the active option with aria-activedescendant): Up and Down move,
 * Enter or Tab picks, Escape closes, a click picks. Picking writes the token
 * (common/mentions.ts) and never sends the message.
 */
export function createMentionPopup(chat: Chat, input: HTMLTextAreaElement): MentionPopup {
  const list = byId('mention-list');
  const status = byId('mention-status');
  let open: Open | undefined;

  const render = () => {
    list.hidden = open === undefined;
    if (!open) {
      list.replaceChildren();
      input.removeAttribute('aria-activedescendant');
      return;
    }
    const { active } = open;
    list.replaceChildren(...open.candidates.map((c, i) => optionNode(c, i, i === active)));
    input.setAttribute('aria-activedescendant', optionId(active));
    list.children[active]?.scrollIntoView({ block: 'nearest' });
  };
  const close = () => {
    if (open) status.textContent = '';
    open = undefined;
    render();
  };
  const pick = (i: number) => {
    const candidate = open?.candidates[i];
    if (!open || !candidate) return;
    const { value, caret } = insertMention(input.value, open.at, candidate.token);
    close();
    input.value = value;
    input.setSelectionRange(caret, caret);
    input.focus();
    // The composer hears of the new text as of any typing (its size, its count, typing).
    input.dispatchEvent(new Event('input', { bubbles: true }));
  };
  const refresh = () => {
    const found = suggestionsAt(chat, input);
    if (!found) {
      close();
      return;
    }
    // The chosen person stays chosen while the list narrows, if still in it.
    const before = open?.candidates[open.active]?.member.id;
    const kept = found.candidates.findIndex((c) => c.member.id === before);
    open = { ...found, active: Math.max(kept, 0) };
    const n = found.candidates.length;
    status.textContent = `${n} ${n === 1 ? 'person' : 'people'} to mention: Up and Down to choose, Enter to pick.`;
    render();
  };
  const move = (by: number) => {
    if (!open) return;
    const n = open.candidates.length;
    open.active = (open.active + by + n) % n;
    render();
  };

  wireOptions(list, pick);
  input.addEventListener('blur', close);
  input.addEventListener('click', refresh);

  return {
    keydown(event) {
      if (!open || event.isComposing) return false;
      if (open.room !== chat.current) {
        close();
        return false;
      }
      const plain = !event.altKey && !event.ctrlKey && !event.metaKey;
      if (event.key === 'ArrowDown' && plain) move(1);
      else if (event.key === 'ArrowUp' && plain) move(-1);
      else if ((event.key === 'Enter' || event.key === 'Tab') && plain && !event.shiftKey) {
        pick(open.active);
      } else if (event.key === 'Escape') close();
      else return false;
      event.preventDefault();
      return true;
    },
    refresh,
    close,
  };
}
