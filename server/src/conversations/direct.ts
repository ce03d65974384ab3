import { ErrorCode, type RequestOf, type ResultOf } from '../../../common/contract.js';
import { memberOf } from '../accounts/auth.js';
import type { Account } from '../accounts/store.js';
import { directRoom } from './store.js';
import { fail } from '../errors.js';
import type { RequestContext } from '../deps.js';

/** Other people in one direct conversation, at most. */
export const MAX_OTHERS = 7;

export async function openDirect(
  { actor, deps }: RequestContext,
  { users }: RequestOf<'dm:open'>,
): Promise<ResultOf<'dm:open'>> {
  const self = actor.member;
  const others = [...new Set(users)].filter((id) => id !== self.id);
  if (others.length === 0) return fail(ErrorCode.BAD_REQUEST, 'name at least one other user');
  if (others.length > MAX_OTHERS) {
    return fail(ErrorCode.BAD_REQUEST, `a conversation has at most ${MAX_OTHERS} others`);
  }
  const accounts = await Promise.all(others.map((id) => deps.accounts.findById(id)));
  const found = accounts.filter((a): a is Account => a !== undefined);
  if (found.length !== others.length) return fail(ErrorCode.NOT_FOUND, 'no such user');
  const ids = [self.id, ...others];
  const room = directRoom(ids);
  if ((await deps.conversations.participants(room)) === undefined) {
    const allowed = await deps.userLimits.takeHourly('room', {
      userId: self.id,
      address: actor.address,
    });
    if (!allowed) {
      return fail(
        ErrorCode.ROOM_LIMIT,
        'you have opened as many conversations as you may this hour',
      );
    }
    await deps.conversations.open(room, ids);
  }
  return { ok: true, room, participants: [self, ...found.map(memberOf)] };
}
