import { historySchema, sendSchema } from '../../validation.js';
import type { EventHandler } from '../dispatch.js';
import * as post from '../../messages/post.js';
import * as history from '../../messages/history.js';

export const sendMessage: EventHandler<'message:send'> = {
  schema: sendSchema,
  handle: post.sendMessage,
};

export const fetchHistory: EventHandler<'history:fetch'> = {
  schema: historySchema,
  handle: history.fetchHistory,
};
