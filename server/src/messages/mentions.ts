import type { Member } from '../../../common/contract.js';
import { mentionTokens, type MentionToken } from '../../../common/mentions.js';
import { memberOf } from '../accounts/auth.js';
import { participantsOf } from '../conversations/participants.js';
import type { ChatDeps } from '../deps.js';
import { refuseJoin } from '../rooms/access.js';
import { guestNameRoom } from '../rooms/membership.js';

/** Mentions resolved per message, at most; more names are left as text. */
const MAX_MENTIONS = 10;

type MentionDeps = Pick<
  ChatDeps,
  'accounts' | 'config' | 'conversations' | 'io' | 'moderation' | 'now' | 'operators'
>;

const sameName = (a: string, b: string): boolean =>
  a.normalize('NFKC').toLowerCase() === b.normalize('NFKC').toLowerCase();

/**
 * The guest a `@"Name"` names: the one online under that name (guest names are unique among
 * the guests online), and only under exactly that name, not a look-alike of it. Offline
 * guests are nobody: their name may be someone else's by now.
 */
async function onlineGuest(deps: MentionDeps, name: string): Promise<Member | undefined> {
  const sockets = await deps.io.in(guestNameRoom(name)).fetchSockets();
  const found = sockets.find(
    (s) => s.data.member.guest === true && sameName(s.data.member.name, name),
  );
  return found?.data.member;
}

async function resolve(deps: MentionDeps, token: MentionToken): Promise<Member | undefined> {
  if ('guest' in token) return onlineGuest(deps, token.guest);
  const account = (await deps.accounts.findByUsername(token.username))?.account;
  return account ? memberOf(account) : undefined;
}

/**
 * True when this user may enter the room: a mention delivers the message to every tab of the
 * one named, so naming someone outside a private room (or banned from it) must not show them
 * what is said there.
 */
async function mayRead(deps: MentionDeps, room: string, member: Member): Promise<boolean> {
  return (await refuseJoin(deps, { member, admin: false, address: '' }, room)) === undefined;
}

/**
 * The users a text names with `@username` or a guest's `@"Name"` (common/mentions.ts),
 * resolved by the server so that nobody is named by a look-alike: never the author, in a
 * direct conversation only its participants, and elsewhere only who may enter the room.
 */
export async function mentionsIn(
  deps: MentionDeps,
  room: string,
  text: string,
  authorId: string,
): Promise<Member[]> {
  const tokens = mentionTokens(text).slice(0, MAX_MENTIONS);
  if (tokens.length === 0) return [];
  const participants = await participantsOf(deps, room);
  const found = await Promise.all(tokens.map((t) => resolve(deps, t)));
  const members = new Map<string, Member>();
  for (const member of found) {
    if (!member || member.id === authorId) continue;
    if (participants && !participants.includes(member.id)) continue;
    members.set(member.id, member);
  }
  if (participants) return [...members.values()];
  const readers = await Promise.all(
    [...members.values()].map(async (m) => ((await mayRead(deps, room, m)) ? [m] : [])),
  );
  return readers.flat();
}
