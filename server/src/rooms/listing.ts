import { isDirect } from '../conversations/store.js';
import { refuseJoin } from './access.js';
import type { RequestContext } from '../deps.js';
import type { ResultOf, RoomSummary } from '../../../common/contract.js';

/**
 * The user's own private rooms that the directory does not hold: one with no messages and
 * nobody in it right now (just created, say) is still theirs to find. Public ones are left
 * to the directory's order and bound, as for everyone.
 */
async function ownMissing(
  { actor, deps }: RequestContext,
  listed: readonly RoomSummary[],
): Promise<RoomSummary[]> {
  const names = new Set(listed.map((r) => r.name));
  const mine = (await deps.memberships.roomsOf(actor.member.id)).filter(
    (room) => !names.has(room) && !isDirect(room),
  );
  const settings = await Promise.all(mine.map((room) => deps.moderation.settings(room)));
  return mine.flatMap((name, i) =>
    settings[i]?.private ? [{ name, members: 0, private: true as const }] : [],
  );
}

export async function listRooms(ctx: RequestContext): Promise<ResultOf<'rooms:list'>> {
  const { actor, socket, deps } = ctx;
  const directory = await deps.directory();
  const rooms = [...directory, ...(await ownMissing(ctx, directory))];
  // A private room is listed only to those who may enter it.
  const visible = await Promise.all(
    rooms.map(async (r) => {
      if (!r.private || socket.rooms.has(r.name)) return true;
      return (await refuseJoin(deps, actor, r.name)) === undefined;
    }),
  );
  return { ok: true, rooms: rooms.filter((_, i) => visible[i]) };
}
