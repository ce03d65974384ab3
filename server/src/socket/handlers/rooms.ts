import { joinSchema, leaveSchema, roomsListSchema } from '../../validation.js';
import type { EventHandler } from '../dispatch.js';
import * as join from '../../rooms/join.js';
import * as listing from '../../rooms/listing.js';

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
