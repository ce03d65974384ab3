import type { Ack } from '../contract.js';
import { typingSchema } from '../validation.js';
import { checkMember } from './guards.js';
import { onRequest, type ConnectionContext } from './request.js';

export function registerTypingHandlers(ctx: ConnectionContext): void {
  const { socket } = ctx;
  onRequest(
    ctx,
    'typing',
    { schema: typingSchema, needsAck: false },
    // eslint-disable-next-line @typescript-eslint/require-await -- handlers share one async shape
    async ({ room, typing }): Promise<Ack> => {
      const refused = checkMember(socket.rooms, room);
      if (refused) return refused;
      // Volatile: a stale typing notice is worthless, so it is dropped rather than buffered.
      socket.to(room).volatile.emit('typing', { room, member: socket.data.member, typing });
      return { ok: true };
    },
  );
}
