import type { Member } from '../../../common/contract.js';
import { memberOf } from '../accounts/auth.js';
import { participantsOf } from '../conversations/participants.js';
import type { ChatDeps } from '../deps.js';

/** Mentions resolved per message, at most; more `@name`s are left as text. */
const MAX_MENTIONS = 10;

// `@username` not preceded by a word character or another @ (so e-mail addresses are not).
const MENTION = /(?<![\w@])@([A-Za-z0-9_-]{3,32})(?![\w-])/g;

/**
 * The users a text names with `@username`, resolved by the server so that nobody is named
 * by a look-alike: accounts only (guests have no username), never the author, and in a
 * direct conversation only its participants.
 */
export async function mentionsIn(
  deps: Pick<ChatDeps, 'accounts' | 'conversations'>,
  room: string,
  text: string,
  authorId: string,
): Promise<Member[]> {
  if (!text.includes('@')) return [];
  const names = new Set<string>();
  for (const match of text.matchAll(MENTION)) {
    const name = match[1]?.toLowerCase();
    if (name !== undefined) names.add(name);
    if (names.size >= MAX_MENTIONS) break;
  }
  if (names.size === 0) return [];
  const participants = await participantsOf(deps, room);
  const found = await Promise.all([...names].map((n) => deps.accounts.findByUsername(n)));
  const members = new Map<string, Member>();
  for (const entry of found) {
    const account = entry?.account;
    if (!account || account.id === authorId) continue;
    if (participants && !participants.includes(account.id)) continue;
    members.set(account.id, memberOf(account));
  }
  return [...members.values()];
}
