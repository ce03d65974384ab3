import { z } from 'zod';
import {
  DEFAULT_ROOM,
  ErrorCode,
  type AckFailure,
  type RoomDeleteRequest,
  type SuspendRequest,
} from '../../../common/contract.js';
import { fail } from '../errors.js';
import { checkRoom } from '../validation.js';
import type { EventHandler } from './dispatch.js';
import { accountNamed, removeEveryone } from './moderation.js';
import type { ChatSocket } from './types.js';

/** One of `userId` and `username`, never both: strict, so that both is BAD_REQUEST. */
export const suspendSchema = z.union([
  z.strictObject({ userId: z.string().min(1).max(64), suspended: z.boolean() }),
  z.strictObject({ username: z.string().min(1).max(64), suspended: z.boolean() }),
]) satisfies z.ZodType<SuspendRequest>;

export const roomDeleteSchema = z.object({
  room: z.string(),
}) satisfies z.ZodType<RoomDeleteRequest>;

const operatorsOnly = (socket: ChatSocket): AckFailure | undefined =>
  socket.data.admin ? undefined : fail(ErrorCode.NOT_ALLOWED, 'operators (ADMIN_USERS) only');

export const suspend: EventHandler<'admin:suspend'> = {
  schema: suspendSchema,
  async handle({ socket, deps }, request) {
    const { suspended } = request;
    // Operators only, before anything else: nobody else learns whether a username exists.
    const refused = operatorsOnly(socket);
    if (refused) return refused;
    const named = await accountNamed(deps, request);
    if (!named) return fail(ErrorCode.NOT_FOUND, 'no such user');
    const userId = named.id;
    if (userId === socket.data.member.id) {
      return fail(ErrorCode.BAD_REQUEST, 'an operator cannot suspend themselves');
    }
    const account = await deps.accounts.setSuspended(userId, suspended);
    if (!account) return fail(ErrorCode.NOT_FOUND, 'no such user');
    if (suspended) {
      // Every session ends, and every connection of theirs closes, on every node.
      await deps.sessionStore.revokeAll(userId);
      deps.sessions.end(userId, undefined, 'suspended');
    }
    deps.logger.info({ by: socket.data.member.id, userId, suspended }, 'account suspension');
    return { ok: true, userId };
  },
};

export const deleteRoom: EventHandler<'admin:delete-room'> = {
  schema: roomDeleteSchema,
  async handle({ socket, deps }, { room }) {
    const refused = operatorsOnly(socket) ?? checkRoom(room);
    if (refused) return refused;
    if (room === DEFAULT_ROOM) return fail(ErrorCode.BAD_REQUEST, 'general cannot be deleted');
    await removeEveryone(deps, room, socket.data.member);
    await Promise.all([deps.history.deleteRoom(room), deps.moderation.forget(room)]);
    deps.logger.info({ by: socket.data.member.id, room }, 'room deleted');
    return { ok: true, room };
  },
};
