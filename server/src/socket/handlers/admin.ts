import { z } from 'zod';
import type { RoomDeleteRequest, SuspendRequest } from '../../../../common/contract.js';
import type { EventHandler } from '../dispatch.js';
import * as siteAdmin from '../../moderation/site-admin.js';

/** One of `userId` and `username`, never both: strict, so that both is BAD_REQUEST. */
export const suspendSchema = z.union([
  z.strictObject({ userId: z.string().min(1).max(64), suspended: z.boolean() }),
  z.strictObject({ username: z.string().min(1).max(64), suspended: z.boolean() }),
]) satisfies z.ZodType<SuspendRequest>;

export const roomDeleteSchema = z.object({
  room: z.string(),
}) satisfies z.ZodType<RoomDeleteRequest>;

export const suspend: EventHandler<'admin:suspend'> = {
  schema: suspendSchema,
  handle: siteAdmin.suspend,
};

export const deleteRoom: EventHandler<'admin:delete-room'> = {
  schema: roomDeleteSchema,
  handle: siteAdmin.deleteRoom,
};
