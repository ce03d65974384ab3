import { refuseJoin } from './access.js';
import type { RequestContext } from '../deps.js';
import type { ResultOf } from '../../../common/contract.js';

export async function listRooms({
  actor,
  socket,
  deps,
}: RequestContext): Promise<ResultOf<'rooms:list'>> {
  const rooms = await deps.directory();
  const visible = await Promise.all(
    rooms.map(async (r) => {
      if (!r.private || socket.rooms.has(r.name)) return true;
      return (await refuseJoin(deps, actor, r.name)) === undefined;
    }),
  );
  return { ok: true, rooms: rooms.filter((_, i) => visible[i]) };
}
