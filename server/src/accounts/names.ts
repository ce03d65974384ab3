import { DELETED_USER_NAME, ErrorCode, type AckFailure } from '../../../common/contract.js';
import { fail } from '../errors.js';
import { codePoints } from '../../../common/text.js';

/** Usernames: 3–32 of a-z 0-9 _ -, compared without regard to case (stored lowercased). */
export const USERNAME_PATTERN = /^[a-z0-9_-]{3,32}$/;
export const DISPLAY_NAME_MAX = 32;

export function checkUsername(raw: unknown): string | AckFailure {
  if (typeof raw !== 'string') return fail(ErrorCode.BAD_REQUEST, 'username must be a string');
  const username = raw.trim().toLowerCase();
  if (!USERNAME_PATTERN.test(username)) {
    return fail(ErrorCode.BAD_REQUEST, 'username must be 3–32 characters of a-z, 0-9, _ or -');
  }
  return username;
}

// Control, format (zero-width and direction marks), surrogate, private-use and unassigned
// characters, and line/paragraph separators: none may appear in a display name.
const FORBIDDEN = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/u;
// The one format character with a visible use: the joiner inside an emoji sequence (👩‍💻),
// between two pictographs. Anywhere else it is an invisible character like the others.
const EMOJI_JOINER = /(?<=\p{Extended_Pictographic}\uFE0F?)\u200D(?=\p{Extended_Pictographic})/gu;
// What shows nothing on its own: spaces of every kind and combining marks.
const INVISIBLE = /[\p{Z}\p{M}\s]/gu;

/** NFKC, trimmed, 1–32 characters, nothing invisible or unassigned, never blank. */
export function checkDisplayName(raw: unknown): string | AckFailure {
  if (typeof raw !== 'string') return fail(ErrorCode.INVALID_NAME, 'name must be a string');
  const name = raw.normalize('NFKC').trim();
  if (FORBIDDEN.test(name.replace(EMOJI_JOINER, ''))) {
    return fail(ErrorCode.INVALID_NAME, 'name contains invisible or control characters');
  }
  if (name.replace(INVISIBLE, '') === '') return fail(ErrorCode.INVALID_NAME, 'name is empty');
  if (codePoints(name) > DISPLAY_NAME_MAX) {
    return fail(ErrorCode.INVALID_NAME, `name is longer than ${DISPLAY_NAME_MAX} characters`);
  }
  // Nobody may pass for a deleted account, whose messages are shown under this name.
  if (nameKey(name) === nameKey(DELETED_USER_NAME)) {
    return fail(ErrorCode.INVALID_NAME, 'this name is kept for deleted accounts');
  }
  return name;
}

// Letters that look like Latin ones in common fonts (Cyrillic and Greek), mapped to them, so
// that "аlice" with a Cyrillic а compares equal to "alice".
const LOOK_ALIKES: Record<string, string> = {
  а: 'a',
  в: 'b',
  е: 'e',
  ё: 'e',
  к: 'k',
  м: 'm',
  н: 'h',
  о: 'o',
  р: 'p',
  с: 'c',
  т: 't',
  у: 'y',
  х: 'x',
  і: 'i',
  ј: 'j',
  ѕ: 's',
  ԁ: 'd',
  ԛ: 'q',
  ԝ: 'w',
  ү: 'y',
  α: 'a',
  β: 'b',
  ε: 'e',
  ι: 'i',
  κ: 'k',
  ν: 'v',
  ο: 'o',
  ρ: 'p',
  τ: 't',
  υ: 'u',
  χ: 'x',
  '0': 'o',
  '1': 'l',
  '!': 'i',
  '|': 'l',
};

/**
 * The key under which two names count as the same: compatibility-decomposed, without
 * accents, case, spaces, punctuation or invisible characters, with look-alike letters
 * folded. "Alice", "ALICE", "a l i c e", "Alicé" and "Аlice" (Cyrillic А) share one key.
 */
export function nameKey(name: string): string {
  let key = '';
  for (const ch of name.normalize('NFKD').toLowerCase()) {
    const folded = LOOK_ALIKES[ch] ?? ch;
    if (/[\p{L}\p{N}]/u.test(folded)) key += folded;
  }
  return key.normalize('NFC');
}
