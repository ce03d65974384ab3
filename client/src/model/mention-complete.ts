import type { Member } from '../../../common/contract.js';
import { mentionToken } from '../../../common/mentions.js';

/**
 * Mention autocomplete: which `@…` the caret is in, who it may name and in what order, and
 * the text once one of them is picked. Pure, so that the composer only renders and listens.
 */

/** Candidates offered at most at once. */
export const MAX_SUGGESTIONS = 8;

/** The `@…` being typed: where it starts and ends in the text, and what follows the `@`. */
export interface MentionQuery {
  start: number;
  end: number;
  query: string;
}

// Letters after an `@` that does not follow a letter, digit, `_` or `@` (an address), with
// the `"` of a guest's quoted name allowed before them.
const BEFORE_CARET = /(?<![\p{L}\p{N}_@])@"?([\p{L}\p{N}_-]{1,32})$/u;
const AFTER_CARET = /^[\p{L}\p{N}_-]*"?/u;

/** The `@…` the caret stands in or right after, if any. */
export function mentionQueryAt(value: string, caret: number): MentionQuery | undefined {
  const match = BEFORE_CARET.exec(value.slice(0, caret));
  const query = match?.[1];
  if (!match || query === undefined) return undefined;
  // The rest of the word after the caret goes too when a pick replaces it.
  const rest = AFTER_CARET.exec(value.slice(caret))?.[0] ?? '';
  return { start: match.index, end: caret + rest.length, query };
}

/** Lower-case, without accents: "Zoë" is found by "zoe". */
const fold = (s: string): string => s.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();

/** How well a member matches: 0 at the start of the name or username, 1 at a later word. */
function matchRank(member: Member, query: string): number | undefined {
  const q = fold(query);
  const whole = [member.name, member.username ?? ''].map(fold);
  if (whole.some((s) => s.startsWith(q))) return 0;
  const words = whole.flatMap((s) => s.split(/[^\p{L}\p{N}]+/u));
  return words.some((w) => w !== '' && w.startsWith(q)) ? 1 : undefined;
}

/** A person the list offers, with what picking them writes. */
export interface MentionCandidate {
  member: Member;
  token: string;
  /** In the room or conversation being written to. */
  here: boolean;
}

/** Who may be named: those of the room in view, and those the user meets elsewhere. */
export interface MentionSources {
  here: readonly Member[];
  elsewhere: readonly Member[];
  selfId: string;
}

/**
 * The people `query` matches on a display name or username, case and accents aside, from
 * the start of any word: those of the room first, then the others; within each, matches at
 * the start before matches at a later word, then by name. Never the user, never twice, and
 * nobody who cannot be named (common/mentions.ts).
 */
export function mentionCandidates(
  query: string,
  sources: MentionSources,
  limit = MAX_SUGGESTIONS,
): MentionCandidate[] {
  const seen = new Set<string>([sources.selfId]);
  const ranked: { candidate: MentionCandidate; rank: number }[] = [];
  const consider = (members: readonly Member[], here: boolean) => {
    for (const member of members) {
      if (seen.has(member.id)) continue;
      seen.add(member.id);
      const token = mentionToken(member);
      const rank = matchRank(member, query);
      if (token === undefined || rank === undefined) continue;
      ranked.push({ candidate: { member, token, here }, rank: (here ? 0 : 2) + rank });
    }
  };
  consider(sources.here, true);
  consider(sources.elsewhere, false);
  return ranked
    .sort(
      (a, b) =>
        a.rank - b.rank ||
        a.candidate.member.name.localeCompare(b.candidate.member.name) ||
        a.candidate.token.localeCompare(b.candidate.token),
    )
    .slice(0, limit)
    .map((r) => r.candidate);
}

/** The text with the `@…` replaced by the token and a space, and where the caret goes. */
export function insertMention(
  value: string,
  at: MentionQuery,
  token: string,
): { value: string; caret: number } {
  const after = value.slice(at.end);
  const inserted = after.startsWith(' ') ? token : `${token} `;
  return {
    value: value.slice(0, at.start) + inserted + after,
    caret: at.start + inserted.length + (after.startsWith(' ') ? 1 : 0),
  };
}

/** What a room of the chat tells of its people (a `Room` is one). */
export interface PeopleOf {
  kind: 'room' | 'direct';
  participants: readonly Member[];
  presence: { members: ReadonlyMap<string, Member> };
}

const peopleOf = (room: PeopleOf): Member[] =>
  room.kind === 'direct' ? [...room.participants] : [...room.presence.members.values()];

/**
 * Where candidates come from for a message to `current`: its people (who is online in a
 * room, the participants of a conversation), then everyone of the user's other rooms and
 * conversations. A conversation names its participants only (the server mentions nobody
 * else in it), so nobody else is offered there.
 */
export function mentionSources(
  rooms: Iterable<PeopleOf>,
  current: PeopleOf,
  selfId: string,
): MentionSources {
  if (current.kind === 'direct') return { here: peopleOf(current), elsewhere: [], selfId };
  const elsewhere: Member[] = [];
  for (const room of rooms) if (room !== current) elsewhere.push(...peopleOf(room));
  return { here: peopleOf(current), elsewhere, selfId };
}
