import { checkMember } from '../validation.js';
import { refuseEntry } from '../conversations/participants.js';
import type { RequestContext } from '../deps.js';
import type { RequestOf, ResultOf } from '../../../common/contract.js';

export async function fetchHistory(
  { actor, socket, deps }: RequestContext,
  { room, before, limit }: RequestOf<'history:fetch'>,
): Promise<ResultOf<'history:fetch'>> {
  const refused =
    (await refuseEntry(deps, actor.member.id, room)) ?? checkMember(socket.rooms, room);
  if (refused) return refused;
  const page = await deps.history.before(room, before, limit ?? deps.config.historyPage);
  return { ok: true, ...page };
}
