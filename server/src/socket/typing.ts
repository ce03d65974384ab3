import { checkMember, typingSchema } from '../validation.js';
import type { EventHandler } from './dispatch.js';

export const typing: EventHandler<'typing'> = {
  schema: typingSchema,
  // eslint-disable-next-line @typescript-eslint/require-await -- every handler has one async shape
  async handle({ socket }, { room, typing }) {
    const refused = checkMember(socket.rooms, room);
    if (refused) return refused;
    // Volatile: a stale typing notice is worthless, so it is dropped rather than buffered.
    socket.to(room).volatile.emit('typing', { room, member: socket.data.member, typing });
    return { ok: true };
  },
};
