import { z } from 'zod';
import type {
  DirectOpenRequest,
  ReadAllRequest,
  ReadRequest,
  RoomsStateRequest,
} from '../../../../common/contract.js';
import { parseId } from '../../messages/store.js';
import type { EventHandler } from '../dispatch.js';
import { MAX_OTHERS } from '../../conversations/direct.js';
import * as direct from '../../conversations/direct.js';
import * as readState from '../../conversations/read-state.js';

const userId = z.string().min(1).max(64);

export const directOpenSchema = z.object({
  users: z
    .array(userId)
    .min(1)
    .max(MAX_OTHERS + 1),
}) satisfies z.ZodType<DirectOpenRequest>;

export const readSchema = z.object({
  room: z.string(),
  id: z.string().refine((id) => parseId(id) !== undefined, { error: 'not a position' }),
}) satisfies z.ZodType<ReadRequest>;

export const roomsStateSchema = z
  .object({})
  .optional()
  .transform((): RoomsStateRequest => ({})) satisfies z.ZodType<RoomsStateRequest>;

export const openDirect: EventHandler<'dm:open'> = {
  schema: directOpenSchema,
  handle: direct.openDirect,
};

export const markRead: EventHandler<'room:read'> = {
  schema: readSchema,
  handle: readState.markRead,
};

export const roomsState: EventHandler<'rooms:state'> = {
  schema: roomsStateSchema,
  handle: readState.roomsState,
};

export const readAllSchema = z
  .object({})
  .optional()
  .transform((): ReadAllRequest => ({})) satisfies z.ZodType<ReadAllRequest>;

export const markAllRead: EventHandler<'rooms:read-all'> = {
  schema: readAllSchema,
  handle: readState.markAllRead,
};
