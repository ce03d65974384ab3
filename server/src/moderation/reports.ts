import { randomUUID } from 'node:crypto';
import {
  ErrorCode,
  type AckFailure,
  type RoomInfo,
  type RequestOf,
  type ResultOf,
} from '../../../common/contract.js';
import { isDirect } from '../conversations/store.js';
import { fail, rateLimited } from '../errors.js';
import { checkMember, checkRoom } from '../validation.js';
import { atLeast } from '../../../common/roles.js';
import { infoOf, roleOf } from '../rooms/access.js';
import { userRoom } from '../rooms/membership.js';
import type { ChatSocket } from '../io.js';
import type { RequestContext } from '../deps.js';

const noModerators = (): AckFailure =>
  fail(ErrorCode.NOT_ALLOWED, 'conversations have no moderators');

/** The room's info when the actor moderates it (as authority.ts's `authority`). */
async function moderated(
  { actor, deps }: RequestContext,
  room: string,
): Promise<RoomInfo | AckFailure> {
  const invalid = checkRoom(room);
  if (invalid) return invalid;
  if (isDirect(room)) return noModerators();
  const info = await infoOf(deps, room);
  return atLeast(roleOf(actor, info), 'moderator')
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

export async function reportMessage(
  { actor, socket, deps, limits }: RequestContext,
  { room, id, reason }: RequestOf<'message:report'>,
): Promise<ResultOf<'message:report'>> {
  const refused = checkMember(socket.rooms, room);
  if (refused) return refused;
  if (isDirect(room)) return noModerators();
  const by = actor.member.id;
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
}

export async function listReports(
  ctx: RequestContext,
  { room, open }: RequestOf<'reports:list'>,
): Promise<ResultOf<'reports:list'>> {
  const granted = await moderated(ctx, room);
  if ('ok' in granted) return granted;
  return { ok: true, reports: await ctx.deps.moderation.reports(room, open ?? true) };
}

export async function resolveReport(
  ctx: RequestContext,
  { room, reportId }: RequestOf<'report:resolve'>,
): Promise<ResultOf<'report:resolve'>> {
  const { actor, socket, deps } = ctx;
  const info = await moderated(ctx, room);
  if ('ok' in info) return info;
  const by = actor.member.id;
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
}
