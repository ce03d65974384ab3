import { memberOf } from '../accounts/auth.js';
import {
  ErrorCode,
  type AckFailure,
  type Member,
  type ModerationEvent,
  type RoomInfo,
} from '../../../common/contract.js';
import type { Account } from '../accounts/store.js';
import { isDirect } from '../conversations/store.js';
import { fail } from '../errors.js';
import type { AuditEntry } from './store.js';
import { checkRoom } from '../validation.js';
import { atLeast, outranks, roleIn, type Role } from '../../../common/roles.js';
import { infoOf, roleOf } from '../rooms/access.js';
import { userRoom } from '../rooms/membership.js';
import type { Actor } from '../accounts/actor.js';
import type { ChatDeps, RequestContext } from '../deps.js';

const notModerator = (): AckFailure =>
  fail(ErrorCode.NOT_MODERATOR, 'only the room’s owners and moderators may do this');

/** The room's settings and the actor's rank, when they are at least `needed`. */
export async function authority(
  { actor, deps }: RequestContext,
  room: string,
  needed: Role,
): Promise<{ info: RoomInfo; role: Role } | AckFailure> {
  const invalid = checkRoom(room);
  if (invalid) return invalid;
  if (isDirect(room)) return fail(ErrorCode.NOT_ALLOWED, 'conversations have no moderators');
  const info = await infoOf(deps, room);
  const role = roleOf(actor, info);
  return atLeast(role, needed) ? { info, role } : notModerator();
}

/**
 * The actor's authority over another user in a room: the actor must moderate it, and the
 * target must rank below them (a moderator cannot act on another moderator or the owner).
 */
export async function over(
  ctx: RequestContext,
  room: string,
  targetId: string,
): Promise<{ info: RoomInfo; target: Member } | AckFailure> {
  const granted = await authority(ctx, room, 'moderator');
  if ('ok' in granted) return granted;
  const account = await ctx.deps.accounts.findById(targetId);
  if (!account) return fail(ErrorCode.NOT_FOUND, 'no such user');
  if (!outranks(granted.role, roleIn(granted.info, account.id))) {
    return fail(ErrorCode.NOT_MODERATOR, 'not on someone of the same rank or higher');
  }
  return { info: granted.info, target: memberOf(account) };
}

/**
 * The account a request names by `userId` or by `username` (guests have none, so only their
 * id names them).
 */
export async function accountNamed(
  deps: ChatDeps,
  named: { userId: string } | { username: string },
): Promise<Account | undefined> {
  if ('userId' in named) return deps.accounts.findById(named.userId);
  return (await deps.accounts.findByUsername(named.username.trim().toLowerCase()))?.account;
}

/** Records the action and tells the room (and the user acted on, wherever they are). */
export async function announce(
  { actor, deps }: RequestContext,
  event: Omit<ModerationEvent, 'by' | 'info'>,
  detail?: string,
): Promise<RoomInfo> {
  const info = await infoOf(deps, event.room);
  const by = actor.member;
  const entry: AuditEntry = {
    at: deps.now(),
    by: by.id,
    action: event.action,
    ...(event.target ? { target: event.target.id } : {}),
    ...(detail === undefined ? {} : { detail }),
  };
  await deps.moderation.record(event.room, entry);
  const targets = event.target ? [userRoom(event.target.id)] : [];
  deps.io.to([event.room, ...targets]).emit('moderation', { ...event, by, info });
  return info;
}

/**
 * Whether the actor may remove `authorId`'s messages in a room: they moderate the room and the
 * author ranks below them.
 */
export async function moderates(
  deps: ChatDeps,
  actor: Actor,
  room: string,
  authorId: string,
): Promise<boolean> {
  if (isDirect(room)) return false;
  const info = await infoOf(deps, room);
  return outranks(roleOf(actor, info), roleIn(info, authorId));
}
