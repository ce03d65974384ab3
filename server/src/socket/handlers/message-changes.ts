import { deleteSchema, editSchema, reactionSchema } from '../../validation.js';
import type { EventHandler } from '../dispatch.js';
import * as changes from '../../messages/changes.js';

export const editMessage: EventHandler<'message:edit'> = {
  schema: editSchema,
  handle: changes.editMessage,
};

export const deleteMessage: EventHandler<'message:delete'> = {
  schema: deleteSchema,
  handle: changes.deleteMessage,
};

export const addReaction: EventHandler<'reaction:add'> = {
  schema: reactionSchema,
  handle: changes.addReaction,
};

export const removeReaction: EventHandler<'reaction:remove'> = {
  schema: reactionSchema,
  handle: changes.removeReaction,
};
