import {
  ErrorCode,
  type AckFailure,
  type RequestOf,
  type ResultOf,
} from '../../../common/contract.js';
import { refuseRetention } from '../messages/retention.js';
import type { SettingsChange } from './store.js';
import { memberOf } from '../accounts/auth.js';
import { fail } from '../errors.js';
import { checkRoom } from '../validation.js';
import { infoOf, isOwnable } from '../rooms/access.js';
import { deliverInvitation } from '../rooms/mine.js';
import type { RequestContext } from '../deps.js';
import { authority, over, accountNamed, announce } from './authority.js';

/** Audit entries `room:audit` returns. */
const AUDIT_PAGE = 200;

export async function createRoom(
  ctx: RequestContext,
  { room, private: isPrivate, topic: text }: RequestOf<'room:create'>,
): Promise<ResultOf<'room:create'>> {
  const { actor, deps } = ctx;
  const invalid = checkRoom(room);
  if (invalid) return invalid;
  if (!isOwnable(room)) return fail(ErrorCode.ROOM_EXISTS, 'this room exists and has no owner');
  // Every way a room can exist is checked before the hourly allowance is spent on it.
  const taken =
    (await deps.moderation.settings(room)) !== undefined ||
    (await deps.history.hasRoom(room)) ||
    (await deps.io.in(room).fetchSockets()).length > 0;
  if (taken) return fail(ErrorCode.ROOM_EXISTS, 'this room exists already');
  const allowed = await deps.userLimits.takeHourly('room', {
    userId: actor.member.id,
    address: actor.address,
  });
  // The same allowance, and the same answer, as opening a room by joining it.
  if (!allowed)
    return fail(ErrorCode.ROOM_LIMIT, 'you have opened as many rooms as you may this hour');
  const created = await deps.moderation.create(room, {
    owner: actor.member.id,
    private: isPrivate ?? false,
    ...(text ? { topic: text.trim() } : {}),
    createdAt: deps.now(),
  });
  if (!created) return fail(ErrorCode.ROOM_EXISTS, 'this room exists already');
  await deps.moderation.record(room, {
    at: deps.now(),
    by: actor.member.id,
    action: 'create',
  });
  return { ok: true, info: await infoOf(deps, room) };
}

/** Why this retention may not be set by this actor here, or undefined when it may. */
async function refuseRetentionChange(
  ctx: RequestContext,
  room: string,
  days: number | null,
): Promise<AckFailure | undefined> {
  // How long a room's words last is the owner's to say (operators rank above), not a
  // moderator's: they may shorten the room's memory for everyone in it.
  const owner = await authority(ctx, room, 'owner');
  if ('ok' in owner) return owner;
  if (!ctx.deps.history.purge)
    return fail(
      ErrorCode.BAD_REQUEST,
      'this server’s store keeps no retention (use SQLite or PostgreSQL)',
    );
  const refused = days === null ? undefined : refuseRetention(days, ctx.deps.config.retentionDays);
  return refused === undefined ? undefined : fail(ErrorCode.BAD_REQUEST, refused);
}

export async function updateRoom(
  ctx: RequestContext,
  { room, private: isPrivate, topic: text, retentionDays }: RequestOf<'room:update'>,
): Promise<ResultOf<'room:update'>> {
  const granted = await authority(ctx, room, 'moderator');
  if ('ok' in granted) return granted;
  if (retentionDays !== undefined) {
    const refused = await refuseRetentionChange(ctx, room, retentionDays);
    if (refused) return refused;
  }
  const change: SettingsChange = {
    ...(isPrivate === undefined ? {} : { private: isPrivate }),
    ...(text === undefined ? {} : { topic: text.trim() }),
    ...(retentionDays === undefined ? {} : { retentionDays }),
  };
  const updated = await ctx.deps.moderation.update(room, change);
  if (!updated) {
    // A room that existed before it had settings gets them now, without an owner.
    await ctx.deps.moderation.create(room, {
      private: change.private ?? false,
      ...(change.topic ? { topic: change.topic } : {}),
      ...(typeof change.retentionDays === 'number' ? { retentionDays: change.retentionDays } : {}),
      createdAt: ctx.deps.now(),
    });
  }
  const info = await announce(ctx, { room, action: 'update' }, JSON.stringify(change));
  return { ok: true, info };
}

export async function setRole(
  ctx: RequestContext,
  { room, userId: target, role }: RequestOf<'room:role'>,
): Promise<ResultOf<'room:role'>> {
  const owner = await authority(ctx, room, 'owner');
  if ('ok' in owner) return owner;
  const allowed = await over(ctx, room, target);
  if ('ok' in allowed) return allowed;
  await ctx.deps.moderation.setRole(room, target, role);
  const info = await announce(ctx, { room, action: 'role', target: allowed.target, role }, role);
  return { ok: true, info };
}

export async function invite(
  ctx: RequestContext,
  request: RequestOf<'room:invite'>,
): Promise<ResultOf<'room:invite'>> {
  const { room } = request;
  // Authority first: only those who run the room learn whether a username exists.
  const granted = await authority(ctx, room, 'moderator');
  if ('ok' in granted) return granted;
  const account = await accountNamed(ctx.deps, request);
  if (!account) return fail(ErrorCode.NOT_FOUND, 'no such user');
  await ctx.deps.moderation.invite(room, account.id);
  await ctx.deps.moderation.record(room, {
    at: ctx.deps.now(),
    by: ctx.actor.member.id,
    action: 'invite',
    target: account.id,
  });
  // Someone already in the room needs no invitation to answer.
  const present = (await ctx.deps.memberships.roomsOf(account.id)).includes(room);
  if (!present) {
    await deliverInvitation(ctx.deps, account.id, {
      room,
      by: ctx.actor.member,
      at: ctx.deps.now(),
    });
  }
  return { ok: true, room, userId: account.id };
}

export async function readAudit(
  ctx: RequestContext,
  { room }: RequestOf<'room:audit'>,
): Promise<ResultOf<'room:audit'>> {
  const granted = await authority(ctx, room, 'moderator');
  if ('ok' in granted) return granted;
  const entries = await ctx.deps.moderation.audit(room, AUDIT_PAGE);
  const ids = new Set(entries.flatMap((e) => (e.target ? [e.by, e.target] : [e.by])));
  const accounts = await Promise.all([...ids].map((id) => ctx.deps.accounts.findById(id)));
  const people = accounts.flatMap((a) => (a ? [memberOf(a)] : []));
  return { ok: true, entries, people };
}
