import type { Member } from './contract.js';

/**
 * How a message names people, the one grammar the server resolves and the composer writes:
 *
 * - `@username` names an account. Usernames are unique, so nobody is named by a look-alike
 *   display name.
 * - `@"Name"` names a guest by their name, which is unique among the guests online (the
 *   server refuses a second guest of that name). Guests have no username, and display names
 *   of accounts repeat, so the quoted form names guests only.
 *
 * Neither counts right after a letter, digit, `_` or `@`, so e-mail addresses name nobody.
 */
const MENTION = /(?<![\w@])@(?:"([^"\r\n]{1,64})"|([A-Za-z0-9_-]{3,32})(?![\w-]))/g;

/** One name a text gives: an account's username (lower-case), or a guest's name as typed. */
export type MentionToken = { username: string } | { guest: string };

/** The names a text gives, in order, each once (usernames compared without regard to case). */
export function mentionTokens(text: string): MentionToken[] {
  if (!text.includes('@')) return [];
  const seen = new Set<string>();
  const tokens: MentionToken[] = [];
  for (const match of text.matchAll(MENTION)) {
    const [, guest, username] = match;
    const token: MentionToken | undefined =
      username !== undefined
        ? { username: username.toLowerCase() }
        : guest !== undefined && guest.trim() !== ''
          ? { guest: guest.trim() }
          : undefined;
    if (token === undefined) continue;
    const key = 'username' in token ? `u:${token.username}` : `g:${token.guest.toLowerCase()}`;
    if (seen.has(key)) continue;
    seen.add(key);
    tokens.push(token);
  }
  return tokens;
}

/**
 * What to write to name a member: `@username` for an account, `@"Name"` for a guest. None
 * for a guest whose name holds a `"`, and none for someone with neither (a host
 * application's user signed in by token has no username here).
 */
export function mentionToken(member: Member): string | undefined {
  if (member.username !== undefined) return `@${member.username}`;
  if (member.guest === true && !/["\r\n]/.test(member.name)) return `@"${member.name}"`;
  return undefined;
}
