import { aliveSchema } from '../../validation.js';
import type { EventHandler } from '../dispatch.js';

/** Answered at once: the ack itself is what the client waits for. */
export const alive: EventHandler<'alive'> = {
  schema: aliveSchema,
  handle: () => Promise.resolve({ ok: true }),
};
