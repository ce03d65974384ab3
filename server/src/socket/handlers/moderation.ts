import { z } from 'zod';
import {
  Limits,
  type RoomAuditRequest,
  type RoomCreateRequest,
  type RoomInviteRequest,
  type RoomRoleRequest,
  type RoomUpdateRequest,
  type RoomUserRequest,
  type SanctionRequest,
} from '../../../../common/contract.js';
import type { EventHandler } from '../dispatch.js';
import * as roomSettings from '../../moderation/room-settings.js';
import * as sanctions from '../../moderation/sanctions.js';

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
  retentionDays: z.int().min(1).max(Limits.retentionDaysMax).nullable().optional(),
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

export const createRoom: EventHandler<'room:create'> = {
  schema: roomCreateSchema,
  handle: roomSettings.createRoom,
};

export const updateRoom: EventHandler<'room:update'> = {
  schema: roomUpdateSchema,
  handle: roomSettings.updateRoom,
};

export const setRole: EventHandler<'room:role'> = {
  schema: roomRoleSchema,
  handle: roomSettings.setRole,
};

export const invite: EventHandler<'room:invite'> = {
  schema: roomInviteSchema,
  handle: roomSettings.invite,
};

export const kick: EventHandler<'room:kick'> = {
  schema: roomUserSchema,
  handle: sanctions.kick,
};

export const ban: EventHandler<'room:ban'> = { schema: sanctionSchema, handle: sanctions.ban };

export const mute: EventHandler<'room:mute'> = { schema: sanctionSchema, handle: sanctions.mute };

export const unban: EventHandler<'room:unban'> = {
  schema: roomUserSchema,
  handle: sanctions.unban,
};

export const unmute: EventHandler<'room:unmute'> = {
  schema: roomUserSchema,
  handle: sanctions.unmute,
};

export const readAudit: EventHandler<'room:audit'> = {
  schema: roomAuditSchema,
  handle: roomSettings.readAudit,
};
