import { ErrorCode, Limits, type AckFailure } from '../contract.js';

export const fail = (code: ErrorCode, message: string): AckFailure => ({
  ok: false,
  error: { code, message },
});

export function checkRoom(room: string): AckFailure | undefined {
  return Limits.roomPattern.test(room)
    ? undefined
    : fail(ErrorCode.INVALID_ROOM, 'room must be 1–64 characters of a-z, 0-9, _ or -');
}

/** The room name is valid and this connection is in the room. */
export function checkMember(rooms: ReadonlySet<string>, room: string): AckFailure | undefined {
  return (
    checkRoom(room) ??
    (rooms.has(room) ? undefined : fail(ErrorCode.NOT_IN_ROOM, `join ${room} first`))
  );
}

const codePoints = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

/** Trims the text and checks its length in characters; returns the text or a failure. */
export function checkText(text: string, maxLength: number): string | AckFailure {
  const trimmed = text.trim();
  if (trimmed.length === 0) return fail(ErrorCode.EMPTY_TEXT, 'text is empty');
  // UTF-16 length bounds the character count from above, so counting is rarely needed.
  if (trimmed.length > maxLength && codePoints(trimmed) > maxLength) {
    return fail(ErrorCode.TEXT_TOO_LONG, `text is longer than ${maxLength} characters`);
  }
  return trimmed;
}

// Control characters, unpaired surrogates, private-use and unassigned code points, and the
// line/paragraph separators: none belong in a display name. Format characters (Cf) stay,
// because emoji sequences need the zero-width joiner.
const FORBIDDEN_IN_NAME = /[\p{Cc}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/u;

/** Normalises a handshake name; returns the name or the reason it is refused. */
export function checkName(raw: unknown): { name: string } | { problem: string } {
  if (typeof raw !== 'string') return { problem: 'auth.name must be a string' };
  const name = raw.normalize('NFC').trim();
  const length = codePoints(name);
  if (length === 0) return { problem: 'name is empty' };
  if (length > Limits.nameMaxLength) {
    return { problem: `name is longer than ${Limits.nameMaxLength} characters` };
  }
  if (FORBIDDEN_IN_NAME.test(name)) return { problem: 'name contains control characters' };
  return { name };
}
