import { ErrorCode, type AckFailure } from '../../../common/contract.js';
import { isDirect } from './store.js';
import { fail } from '../errors.js';
import { userRoom } from '../rooms/membership.js';
import type { ChatDeps } from '../deps.js';

/** Conversations whose participants this node remembers; they never change once opened. */
const CACHE_MAX = 10_000;

type Deps = Pick<ChatDeps, 'conversations'>;

const cache = new WeakMap<Deps['conversations'], Map<string, string[]>>();

/** The participants of a conversation (remembered once known), or undefined for a public room. */
export async function participantsOf(deps: Deps, room: string): Promise<string[] | undefined> {
  if (!isDirect(room)) return undefined;
  let known = cache.get(deps.conversations);
  if (!known) cache.set(deps.conversations, (known = new Map<string, string[]>()));
  const held = known.get(room);
  if (held) return held;
  const found = (await deps.conversations.participants(room)) ?? [];
  if (found.length > 0) {
    if (known.size >= CACHE_MAX) known.clear();
    known.set(room, found);
  }
  return found;
}

/** Who may enter a room: anyone a public one, only its participants a conversation. */
export async function refuseEntry(
  deps: Deps,
  user: string,
  room: string,
): Promise<AckFailure | undefined> {
  const participants = await participantsOf(deps, room);
  if (participants === undefined || participants.includes(user)) return undefined;
  return fail(ErrorCode.NOT_ALLOWED, 'only its participants may open this conversation');
}

/**
 * Where a room's news goes: the room itself, or, for a conversation, every connection of
 * every participant, so that a new message reaches tabs that have not opened it yet.
 */
export async function audienceOf(deps: Deps, room: string): Promise<string[]> {
  const participants = await participantsOf(deps, room);
  return participants === undefined ? [room] : [room, ...participants.map(userRoom)];
}
