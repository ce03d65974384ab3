import type { Chat } from '../model/chat.js';
import { hashOf, placeOf, type Place } from '../model/links.js';

/** The place the page's address names when it opens, if any. */
export function placeInAddress(): Place | undefined {
  return placeOf(location.hash);
}

/** Brings a place into view: the room selected, or joined when the chat does not hold it. */
function open(chat: Chat, place: Place): void {
  if (chat.rooms.has(place.room)) chat.select(place.room);
  else void chat.join(place.room);
}

/**
 * Keeps the address naming the room in view: switching rooms adds a history entry, and Back
 * and Forward (or a link followed within the page) switch rooms. `changed` runs on every
 * change of the chat.
 */
export function wireAddress(chat: Chat): { changed: () => void } {
  let shown = chat.current;
  if (shown !== undefined && placeOf(location.hash)?.room !== shown) {
    history.replaceState(null, '', hashOf({ room: shown }));
  }
  window.addEventListener('popstate', () => {
    const place = placeOf(location.hash);
    if (!place) return;
    shown = place.room;
    open(chat, place);
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
