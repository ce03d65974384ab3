import { z } from 'zod';
import type { InvitationDeclineRequest, RoomsMineRequest } from '../../../../common/contract.js';
import { joinSchema, leaveSchema, roomsListSchema } from '../../validation.js';
import type { EventHandler } from '../dispatch.js';
import * as join from '../../rooms/join.js';
import * as listing from '../../rooms/listing.js';
import * as mine from '../../rooms/mine.js';

// Strict: a user names no one else's list, so `{ userId }` is BAD_REQUEST, not ignored.
export const roomsMineSchema = z
  .strictObject({})
  .optional()
  .transform((): RoomsMineRequest => ({})) satisfies z.ZodType<RoomsMineRequest>;

export const invitationDeclineSchema = z.strictObject({
  room: z.string(),
}) satisfies z.ZodType<InvitationDeclineRequest>;

export const myRooms: EventHandler<'rooms:mine'> = {
  schema: roomsMineSchema,
  handle: mine.myRooms,
};

export const declineInvitation: EventHandler<'invitation:decline'> = {
  schema: invitationDeclineSchema,
  handle: mine.declineInvitation,
};

export const joinRoom: EventHandler<'room:join'> = {
  schema: joinSchema,
  handle: join.joinRoom,
};

export const leaveRoom: EventHandler<'room:leave'> = {
  schema: leaveSchema,
  handle: join.leaveRoom,
};

export const listRooms: EventHandler<'rooms:list'> = {
  schema: roomsListSchema,
  handle: listing.listRooms,
};
