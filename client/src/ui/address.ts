import { isDirectRoom } from '../../../common/contract.js';
import type { Chat } from '../model/chat.js';
import { hashOf, placeOf, type Place } from '../model/links.js';
import { byId } from './dom.js';
import { roomLabel } from './format.js';
import { revealMessage } from './message-actions.js';
import type { UiState } from './ui-state.js';

/** The place the page's address names when it opens, if any. */
export function placeInAddress(): Place | undefined {
  return placeOf(location.hash);
}

/** Says why a linked message is not shown, above the messages, until dismissed. */
function sayOfLink(text: string): void {
  byId('link-note-text').textContent = text;
  byId('link-note').hidden = text === '';
}

/** Brings a linked message into view and highlights it, or says why it cannot. */
async function jumpTo(chat: Chat, ui: UiState, room: string, id: string): Promise<void> {
  sayOfLink('');
  const found = await chat.findMessage(room, id);
  const held = chat.rooms.get(room);
  const where = held ? roomLabel(held, chat) : isDirectRoom(room) ? 'a conversation' : `#${room}`;
  if (found === 'refused') {
    sayOfLink(`The linked message is in ${where}, which you cannot open.`);
    return;
  }
  if (found === 'missing') {
    sayOfLink(`The linked message is no longer in ${where}: it was deleted or is too old.`);
    return;
  }
  ui.linked = { room, id };
  ui.redraw();
  revealMessage(id);
}

/** Brings a place into view: the room selected (joined if the chat does not hold it). */
function open(chat: Chat, ui: UiState, place: Place): void {
  if (chat.rooms.has(place.room)) chat.select(place.room);
  else void chat.join(place.room);
  if (place.message !== undefined) void jumpTo(chat, ui, place.room, place.message);
}

/**
 * Keeps the address naming the room in view: switching rooms adds a history entry, and Back
 * and Forward (or a link followed within the page) switch rooms. A link to a message jumps
 * to it. `changed` runs on every change of the chat.
 */
export function wireAddress(chat: Chat, ui: UiState): { changed: () => void } {
  let shown = chat.current;
  const first = placeOf(location.hash);
  if (shown !== undefined && first?.room !== shown) {
    history.replaceState(null, '', hashOf({ room: shown }));
  }
  if (first?.message !== undefined) void jumpTo(chat, ui, first.room, first.message);
  byId('link-note-dismiss').addEventListener('click', () => {
    sayOfLink('');
  });
  window.addEventListener('popstate', () => {
    const place = placeOf(location.hash);
    if (!place) return;
    shown = place.room;
    open(chat, ui, place);
  });
  return {
    changed() {
      if (chat.current === shown) return;
      // A room dropped (left, refused) is not somewhere to go back to: its entry is replaced.
      const goneFrom = shown === undefined || !chat.rooms.has(shown);
      shown = chat.current;
      if (shown === undefined) return;
      if (goneFrom) history.replaceState(null, '', hashOf({ room: shown }));
      else history.pushState(null, '', hashOf({ room: shown }));
    },
  };
}
