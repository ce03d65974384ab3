import type { Ack, RequestOf } from '../../../common/contract.js';
import type { RequestContext } from '../deps.js';
import { checkMember } from '../validation.js';

/** Tells the others in a room that this user started or stopped typing. */
// eslint-disable-next-line @typescript-eslint/require-await -- every request has one async shape
export async function typing(
  { actor, socket }: RequestContext,
  { room, typing }: RequestOf<'typing'>,
): Promise<Ack> {
  const refused = checkMember(socket.rooms, room);
  if (refused) return refused;
  // Volatile: a stale typing notice is worthless, so it is dropped rather than buffered.
  socket.to(room).volatile.emit('typing', { room, member: actor.member, typing });
  return { ok: true };
}
