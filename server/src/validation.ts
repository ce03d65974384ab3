import { z } from 'zod';
import {
  Limits,
  type HistoryRequest,
  type JoinRequest,
  type LeaveRequest,
  type RoomsListRequest,
  type SendRequest,
  type TypingRequest,
} from './contract.js';

// Schemas check shape and type only. Room names and text length have their own error codes,
// so handlers check those after parsing (see socket/guards.ts).
const cursor = z.string().min(1).max(64);

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
}) satisfies z.ZodType<SendRequest>;

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

/** A short, safe description of why a payload was refused (no input is echoed back). */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ` : '') + issue.message)
    .join('; ');
}
