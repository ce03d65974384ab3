import { z } from 'zod';
import {
  ErrorCode,
  Limits,
  type AckFailure,
  type Member,
  type ModerationEvent,
  type RoomAuditRequest,
  type RoomCreateRequest,
  type RoomInfo,
  type RoomInviteRequest,
  type RoomRoleRequest,
  type RoomUpdateRequest,
  type RoomUserRequest,
  type SanctionRequest,
} from '../../../common/contract.js';
import type { Account } from '../accounts/store.js';
import { isDirect } from '../conversations/store.js';
import { fail } from '../errors.js';
import type { AuditEntry } from '../moderation/store.js';
import { checkRoom } from '../validation.js';
import { memberOfAccount } from './conversations.js';
import type { EventHandler } from './dispatch.js';
import { connectionLeft } from './presence.js';
import { atLeast, outranks, roleIn, type Role } from '../../../common/roles.js';
import { infoOf, isOwnable, roleOf } from './room-access.js';
import { userRoom } from './rooms-of-users.js';
import type { ChatSocket, ConnectionContext, SocketDeps } from './types.js';

const userId = z.string().min(1).max(64);
const topic = z.string().max(Limits.topicMaxLength);
const reason = z.string().max(Limits.reasonMaxLength);

export const roomCreateSchema = z.object({
  room: z.string(),
  private: z.boolean().optional(),
  topic: topic.optional(),
}) satisfies z.ZodType<RoomCreateRequest>;
export const roomUpdateSchema = z.object({
  room: z.string(),
  private: z.boolean().optional(),
  topic: topic.optional(),
}) satisfies z.ZodType<RoomUpdateRequest>;
export const roomRoleSchema = z.object({
  room: z.string(),
  userId,
  role: z.enum(['moderator', 'member']),
}) satisfies z.ZodType<RoomRoleRequest>;
export const roomUserSchema = z.object({
  room: z.string(),
  userId,
}) satisfies z.ZodType<RoomUserRequest>;
/** One of `userId` and `username`, never both: strict, so that both is BAD_REQUEST. */
export const roomInviteSchema = z.union([
  z.strictObject({ room: z.string(), userId }),
  z.strictObject({ room: z.string(), username: z.string().min(1).max(64) }),
]) satisfies z.ZodType<RoomInviteRequest>;
export const sanctionSchema = z.object({
  room: z.string(),
  userId,
  minutes: z.number().int().min(1).max(Limits.sanctionMinutesMax).optional(),
  reason: reason.optional(),
}) satisfies z.ZodType<SanctionRequest>;
export const roomAuditSchema = z.object({ room: z.string() }) satisfies z.ZodType<RoomAuditRequest>;

/** Audit entries `room:audit` returns. */
const AUDIT_PAGE = 200;

const notModerator = (): AckFailure =>
  fail(ErrorCode.NOT_MODERATOR, 'only the room’s owners and moderators may do this');

/** The room's settings and the actor's rank, when they are at least `needed`. */
async function authority(
  { socket, deps }: ConnectionContext,
  room: string,
  needed: Role,
): Promise<{ info: RoomInfo; role: Role } | AckFailure> {
  const invalid = checkRoom(room);
  if (invalid) return invalid;
  if (isDirect(room)) return fail(ErrorCode.NOT_ALLOWED, 'conversations have no moderators');
  const info = await infoOf(deps, room);
  const role = roleOf(socket, info);
  return atLeast(role, needed) ? { info, role } : notModerator();
}

/**
 * The actor's authority over another user in a room: the actor must moderate it, and the
 * target must rank below them (a moderator cannot act on another moderator or the owner).
 */
async function over(
  ctx: ConnectionContext,
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
  return { info: granted.info, target: memberOfAccount(account) };
}

/**
 * The account a request names by `userId` or by `username` (guests have none, so only their
 * id names them).
 */
export async function accountNamed(
  deps: SocketDeps,
  named: { userId: string } | { username: string },
): Promise<Account | undefined> {
  if ('userId' in named) return deps.accounts.findById(named.userId);
  return (await deps.accounts.findByUsername(named.username.trim().toLowerCase()))?.account;
}

/** Records the action and tells the room (and the user acted on, wherever they are). */
async function announce(
  { socket, deps }: ConnectionContext,
  event: Omit<ModerationEvent, 'by' | 'info'>,
  detail?: string,
): Promise<RoomInfo> {
  const info = await infoOf(deps, event.room);
  const by = socket.data.member;
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

/** Takes every connection of this user on this node out of the room. */
export function removeLocally(deps: SocketDeps, room: string, userId: string): void {
  const nsp = deps.io.of('/');
  for (const id of nsp.adapter.rooms.get(userRoom(userId)) ?? []) {
    const socket = nsp.sockets.get(id);
    if (!socket?.rooms.has(room)) continue;
    void socket.leave(room);
    connectionLeft(deps, room, socket.id, socket.data.member, 0);
  }
}

/** Takes every connection of this user out of the room, on every node at once. */
function remove(deps: SocketDeps, room: string, userId: string): void {
  removeLocally(deps, room, userId);
  if (deps.clustered) deps.io.serverSideEmit('removed', { room, userId });
}

/** Takes everyone out of a room, on every node, telling them it was deleted. */
export async function removeEveryone(deps: SocketDeps, room: string, by: Member): Promise<void> {
  deps.io.to(room).emit('room:removed', { room, reason: 'deleted', by });
  const users = new Set((await deps.io.in(room).fetchSockets()).map((s) => s.data.member.id));
  for (const userId of users) remove(deps, room, userId);
}

export const createRoom: EventHandler<'room:create'> = {
  schema: roomCreateSchema,
  async handle(ctx, { room, private: isPrivate, topic: text }) {
    const { socket, deps } = ctx;
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
      userId: socket.data.member.id,
      address: deps.caps.addressOf(socket),
    });
    // The same allowance, and the same answer, as opening a room by joining it.
    if (!allowed)
      return fail(ErrorCode.ROOM_LIMIT, 'you have opened as many rooms as you may this hour');
    const created = await deps.moderation.create(room, {
      owner: socket.data.member.id,
      private: isPrivate ?? false,
      ...(text ? { topic: text.trim() } : {}),
      createdAt: deps.now(),
    });
    if (!created) return fail(ErrorCode.ROOM_EXISTS, 'this room exists already');
    await deps.moderation.record(room, {
      at: deps.now(),
      by: socket.data.member.id,
      action: 'create',
    });
    return { ok: true, info: await infoOf(deps, room) };
  },
};

export const updateRoom: EventHandler<'room:update'> = {
  schema: roomUpdateSchema,
  async handle(ctx, { room, private: isPrivate, topic: text }) {
    const granted = await authority(ctx, room, 'moderator');
    if ('ok' in granted) return granted;
    const change = {
      ...(isPrivate === undefined ? {} : { private: isPrivate }),
      ...(text === undefined ? {} : { topic: text.trim() }),
    };
    const updated = await ctx.deps.moderation.update(room, change);
    if (!updated) {
      // A room that existed before it had settings gets them now, without an owner.
      await ctx.deps.moderation.create(room, {
        private: change.private ?? false,
        ...(change.topic ? { topic: change.topic } : {}),
        createdAt: ctx.deps.now(),
      });
    }
    const info = await announce(ctx, { room, action: 'update' }, JSON.stringify(change));
    return { ok: true, info };
  },
};

export const setRole: EventHandler<'room:role'> = {
  schema: roomRoleSchema,
  async handle(ctx, { room, userId: target, role }) {
    const owner = await authority(ctx, room, 'owner');
    if ('ok' in owner) return owner;
    const allowed = await over(ctx, room, target);
    if ('ok' in allowed) return allowed;
    await ctx.deps.moderation.setRole(room, target, role);
    const info = await announce(ctx, { room, action: 'role', target: allowed.target, role }, role);
    return { ok: true, info };
  },
};

export const invite: EventHandler<'room:invite'> = {
  schema: roomInviteSchema,
  async handle(ctx, request) {
    const { room } = request;
    // Authority first: only those who run the room learn whether a username exists.
    const granted = await authority(ctx, room, 'moderator');
    if ('ok' in granted) return granted;
    const account = await accountNamed(ctx.deps, request);
    if (!account) return fail(ErrorCode.NOT_FOUND, 'no such user');
    await ctx.deps.moderation.invite(room, account.id);
    await ctx.deps.moderation.record(room, {
      at: ctx.deps.now(),
      by: ctx.socket.data.member.id,
      action: 'invite',
      target: account.id,
    });
    return { ok: true, room, userId: account.id };
  },
};

export const kick: EventHandler<'room:kick'> = {
  schema: roomUserSchema,
  async handle(ctx, { room, userId: target }) {
    const allowed = await over(ctx, room, target);
    if ('ok' in allowed) return allowed;
    const by = ctx.socket.data.member;
    ctx.deps.io.to(userRoom(target)).emit('room:removed', { room, reason: 'kick', by });
    remove(ctx.deps, room, target);
    await announce(ctx, { room, action: 'kick', target: allowed.target });
    return { ok: true, room, userId: target };
  },
};

/** A ban or a mute: stored, the user told, and for a ban taken out of the room. */
function sanction(kind: 'ban' | 'mute'): EventHandler<'room:ban'>['handle'] {
  return async (ctx, { room, userId: target, minutes, reason: why }) => {
    const allowed = await over(ctx, room, target);
    if ('ok' in allowed) return allowed;
    const by = ctx.socket.data.member;
    const until = minutes === undefined ? null : ctx.deps.now() + minutes * 60_000;
    const record = { until, by: by.id, ...(why ? { reason: why } : {}) };
    if (kind === 'ban') {
      await ctx.deps.moderation.ban(room, target, record);
      ctx.deps.io.to(userRoom(target)).emit('room:removed', {
        room,
        reason: 'ban',
        by,
        ...(until === null ? {} : { until }),
        ...(why ? { message: why } : {}),
      });
      remove(ctx.deps, room, target);
    } else {
      await ctx.deps.moderation.mute(room, target, record);
    }
    await announce(
      ctx,
      {
        room,
        action: kind,
        target: allowed.target,
        ...(until === null ? {} : { until }),
        ...(why ? { reason: why } : {}),
      },
      minutes === undefined ? 'until lifted' : `${minutes} min`,
    );
    return { ok: true, room, userId: target, ...(until === null ? {} : { until }) };
  };
}

function lift(kind: 'unban' | 'unmute'): EventHandler<'room:unban'>['handle'] {
  return async (ctx, { room, userId: target }) => {
    const allowed = await over(ctx, room, target);
    if ('ok' in allowed) return allowed;
    if (kind === 'unban') await ctx.deps.moderation.unban(room, target);
    else await ctx.deps.moderation.unmute(room, target);
    await announce(ctx, { room, action: kind, target: allowed.target });
    return { ok: true, room, userId: target };
  };
}

export const ban: EventHandler<'room:ban'> = { schema: sanctionSchema, handle: sanction('ban') };
export const mute: EventHandler<'room:mute'> = { schema: sanctionSchema, handle: sanction('mute') };
export const unban: EventHandler<'room:unban'> = { schema: roomUserSchema, handle: lift('unban') };
export const unmute: EventHandler<'room:unmute'> = {
  schema: roomUserSchema,
  handle: lift('unmute'),
};

export const readAudit: EventHandler<'room:audit'> = {
  schema: roomAuditSchema,
  async handle(ctx, { room }) {
    const granted = await authority(ctx, room, 'moderator');
    if ('ok' in granted) return granted;
    const entries = await ctx.deps.moderation.audit(room, AUDIT_PAGE);
    const ids = new Set(entries.flatMap((e) => (e.target ? [e.by, e.target] : [e.by])));
    const accounts = await Promise.all([...ids].map((id) => ctx.deps.accounts.findById(id)));
    const people = accounts.flatMap((a) => (a ? [memberOfAccount(a)] : []));
    return { ok: true, entries, people };
  },
};

/**
 * Whether a connection may remove `authorId`'s messages in a room: it moderates the room and
 * the author ranks below it.
 */
export async function moderates(
  deps: SocketDeps,
  socket: ChatSocket,
  room: string,
  authorId: string,
): Promise<boolean> {
  if (isDirect(room)) return false;
  const info = await infoOf(deps, room);
  return outranks(roleOf(socket, info), roleIn(info, authorId));
}
