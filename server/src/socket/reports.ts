import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  ErrorCode,
  Limits,
  type AckFailure,
  type ReportRequest,
  type ReportResolveRequest,
  type ReportsListRequest,
  type RoomInfo,
} from '../../../common/contract.js';
import { isDirect } from '../conversations/store.js';
import { fail, rateLimited } from '../errors.js';
import { checkMember, checkRoom, cursor } from '../validation.js';
import type { EventHandler } from './dispatch.js';
import { atLeast } from '../../../common/roles.js';
import { infoOf, roleOf } from './room-access.js';
import { userRoom } from './rooms-of-users.js';
import type { ChatSocket, ConnectionContext } from './types.js';

// Members report messages to the people who run the room (its owner and moderators, and the
// operators); those see them live on every node (through their user rooms), list the open
// and the resolved ones, and resolve them.

export const reportSchema = z.object({
  room: z.string(),
  id: cursor,
  reason: z.string().trim().min(1).max(Limits.reasonMaxLength),
}) satisfies z.ZodType<ReportRequest>;
export const reportsListSchema = z.object({
  room: z.string(),
  open: z.boolean().optional(),
}) satisfies z.ZodType<ReportsListRequest>;
export const reportResolveSchema = z.object({
  room: z.string(),
  reportId: cursor,
}) satisfies z.ZodType<ReportResolveRequest>;

const noModerators = (): AckFailure =>
  fail(ErrorCode.NOT_ALLOWED, 'conversations have no moderators');

/** The room's info when the connection moderates it (as moderation.ts's `authority`). */
async function moderated(
  { socket, deps }: ConnectionContext,
  room: string,
): Promise<RoomInfo | AckFailure> {
  const invalid = checkRoom(room);
  if (invalid) return invalid;
  if (isDirect(room)) return noModerators();
  const info = await infoOf(deps, room);
  return atLeast(roleOf(socket, info), 'moderator')
    ? info
    : fail(ErrorCode.NOT_MODERATOR, 'only the room’s owners and moderators may do this');
}

/**
 * The user rooms of the room's owner, moderators and operators, whose every connection hears
 * of its reports wherever it is: the adapter delivers to those rooms on every node.
 */
function staffOf(info: RoomInfo): string[] {
  const ids = [...(info.owner === undefined ? [] : [info.owner]), ...info.moderators];
  return [...new Set([...ids, ...info.operators])].map(userRoom);
}

/** Tells the room's staff, but not the connection that caused it (it has its ack). */
function tellStaff(socket: ChatSocket, info: RoomInfo) {
  const rooms = staffOf(info);
  return rooms.length === 0 ? undefined : socket.to(rooms);
}

export const reportMessage: EventHandler<'message:report'> = {
  schema: reportSchema,
  async handle({ socket, deps, limits }, { room, id, reason }) {
    const refused = checkMember(socket.rooms, room);
    if (refused) return refused;
    if (isDirect(room)) return noModerators();
    const by = socket.data.member.id;
    if (!(await deps.userLimits.takeMessage(by))) {
      limits.strike();
      return rateLimited();
    }
    const message = await deps.history.get(room, id);
    if (!message || message.deleted) return fail(ErrorCode.NOT_FOUND, 'no such message here');
    if (message.author.id === by) return fail(ErrorCode.NOT_ALLOWED, 'not one’s own message');
    const { report, created } = await deps.moderation.report(room, {
      id: randomUUID(),
      messageId: id,
      by,
      reason,
      at: deps.now(),
      // What was reported, kept with the report: the message may be edited, deleted or
      // trimmed from history before anyone looks at it.
      quote: { author: message.author, text: message.text },
    });
    // A repeat is the same report: the staff heard of it the first time.
    if (created) tellStaff(socket, await infoOf(deps, room))?.emit('report', { report, message });
    return { ok: true, report };
  },
};

export const listReports: EventHandler<'reports:list'> = {
  schema: reportsListSchema,
  async handle(ctx, { room, open }) {
    const granted = await moderated(ctx, room);
    if ('ok' in granted) return granted;
    return { ok: true, reports: await ctx.deps.moderation.reports(room, open ?? true) };
  },
};

export const resolveReport: EventHandler<'report:resolve'> = {
  schema: reportResolveSchema,
  async handle(ctx, { room, reportId }) {
    const { socket, deps } = ctx;
    const info = await moderated(ctx, room);
    if ('ok' in info) return info;
    const by = socket.data.member.id;
    const at = deps.now();
    const report = await deps.moderation.resolve(room, reportId, by, at);
    if (!report) return fail(ErrorCode.NOT_FOUND, 'no such report in this room');
    // Only the call that resolved it records and tells it: resolving again changes nothing.
    if (report.resolved?.by === by && report.resolved.at === at) {
      await deps.moderation.record(room, {
        at,
        by,
        action: 'resolve-report',
        target: report.by,
        detail: reportId,
      });
      tellStaff(socket, info)?.emit('report:resolved', { report });
    }
    return { ok: true, report };
  },
};
