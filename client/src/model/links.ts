import { DIRECT_ROOM_PREFIX, Limits } from '../../../common/contract.js';

/**
 * What a page address names: a room or a conversation, and perhaps one message in it. It
 * lives in the fragment (`#/room/<name>` or `#/room/<name>/message/<id>`), which the server
 * never sees, so that the one page serves every room and the query (`?transport=…`) stays.
 */
export interface Place {
  room: string;
  message?: string;
}

const ROOM_RE = /^#\/room\/([^/]+)(?:\/message\/([^/]+))?\/?$/;
/** Message ids are short and made of these; anything else is not one of ours. */
const ID_RE = /^[A-Za-z0-9_.:-]{1,100}$/;

const decoded = (part: string): string | undefined => {
  try {
    return decodeURIComponent(part);
  } catch {
    return undefined;
  }
};

/** The room a conversation's name stands for is checked like a room's, past its prefix. */
const isRoomName = (name: string): boolean =>
  Limits.roomPattern.test(
    name.startsWith(DIRECT_ROOM_PREFIX) ? name.slice(DIRECT_ROOM_PREFIX.length) : name,
  );

/** The place a fragment names, or undefined (no fragment, or one naming something else). */
export function placeOf(hash: string): Place | undefined {
  const match = ROOM_RE.exec(hash);
  const room = match?.[1] === undefined ? undefined : decoded(match[1]);
  if (room === undefined || !isRoomName(room)) return undefined;
  const message = match?.[2] === undefined ? undefined : decoded(match[2]);
  if (message === undefined) return { room };
  return ID_RE.test(message) ? { room, message } : { room };
}

/** The fragment naming a place: `#/room/<name>`, with `/message/<id>` for a message. */
export function hashOf(place: Place): string {
  const room = `#/room/${encodeURIComponent(place.room)}`;
  return place.message === undefined
    ? room
    : `${room}/message/${encodeURIComponent(place.message)}`;
}

/** A full link to a place, from the page's own address (its query kept, its fragment replaced). */
export function linkTo(pageUrl: string, place: Place): string {
  const url = new URL(pageUrl);
  url.hash = hashOf(place);
  return url.toString();
}
