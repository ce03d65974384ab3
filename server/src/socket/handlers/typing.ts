import { typingSchema } from '../../validation.js';
import * as typingNotices from '../../rooms/typing.js';
import type { EventHandler } from '../dispatch.js';

export const typing: EventHandler<'typing'> = {
  schema: typingSchema,
  handle: typingNotices.typing,
};
