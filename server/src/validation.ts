import { z } from 'zod';
import {
  ErrorCode,
  Limits,
  type AckFailure,
  type DeleteRequest,
  type EditRequest,
  type HistoryRequest,
  type JoinRequest,
  type LeaveRequest,
  type ReactionRequest,
  type AliveRequest,
  type RoomsListRequest,
  type SendRequest,
  type TypingRequest,
} from '../../common/contract.js';
import { fail } from './errors.js';
import { codePoints } from '../../common/text.js';

// Everything a client sends is checked here: payload shapes (zod schemas, checked against
// the contract's request types), then the rules with codes of their own (room names, text,
// display names), which handlers apply after parsing.

/** A message id, position or report id as a client sends it back. */
export const cursor = z.string().min(1).max(64);

export const joinSchema = z.object({
  room: z.string(),
  since: cursor.optional(),
}) satisfies z.ZodType<JoinRequest>;

export const leaveSchema = z.object({ room: z.string() }) satisfies z.ZodType<LeaveRequest>;

export const sendSchema = z.object({
  room: z.string(),
  text: z.string(),
  clientId: z.string().regex(Limits.clientIdPattern, {
    error: 'must be 1–64 characters of A-Z, a-z, 0-9, _ or -',
  }),
  replyTo: cursor.optional(),
}) satisfies z.ZodType<SendRequest>;

export const editSchema = z.object({
  room: z.string(),
  id: cursor,
  text: z.string(),
}) satisfies z.ZodType<EditRequest>;

export const deleteSchema = z.object({
  room: z.string(),
  id: cursor,
}) satisfies z.ZodType<DeleteRequest>;

// One emoji as Unicode lists it for interchange (RGI): flags, skin tones and ZWJ sequences
// included, but never text, two emoji, or an emoji with anything around it.
const SINGLE_EMOJI = new RegExp('^\\p{RGI_Emoji}$', 'v');

export const reactionSchema = z.object({
  room: z.string(),
  id: cursor,
  emoji: z
    .string()
    .max(32)
    .refine((e) => SINGLE_EMOJI.test(e), { error: 'must be a single emoji' }),
}) satisfies z.ZodType<ReactionRequest>;

export const historySchema = z.object({
  room: z.string(),
  before: cursor,
  limit: z.number().int().min(1).max(Limits.historyFetchMaxLimit).optional(),
}) satisfies z.ZodType<HistoryRequest>;

export const typingSchema = z.object({
  room: z.string(),
  typing: z.boolean(),
}) satisfies z.ZodType<TypingRequest>;

// `emit('rooms:list', ack)` with no payload is accepted as well as `{}`.
export const roomsListSchema = z
  .object({})
  .optional()
  .transform((): RoomsListRequest => ({})) satisfies z.ZodType<RoomsListRequest>;

// `emit('alive', ack)` with no payload is accepted as well as `{}`, like `rooms:list`.
export const aliveSchema = z
  .object({})
  .optional()
  .transform((): AliveRequest => ({})) satisfies z.ZodType<AliveRequest>;

/** A short, safe description of why a payload was refused (no input is echoed back). */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ` : '') + issue.message)
    .join('; ');
}

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
