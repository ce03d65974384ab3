import {
  DEFAULT_ROOM,
  ErrorCode,
  type AckFailure,
  type RequestOf,
  type ResultOf,
} from '../../../common/contract.js';
import { fail } from '../errors.js';
import { checkRoom } from '../validation.js';
import { accountNamed } from './authority.js';
import { removeEveryone } from './sanctions.js';
import type { Actor } from '../accounts/actor.js';
import type { RequestContext } from '../deps.js';

const operatorsOnly = (actor: Actor): AckFailure | undefined =>
  actor.admin ? undefined : fail(ErrorCode.NOT_ALLOWED, 'operators (ADMIN_USERS) only');

export async function suspend(
  { actor, deps }: RequestContext,
  request: RequestOf<'admin:suspend'>,
): Promise<ResultOf<'admin:suspend'>> {
  const { suspended } = request;
  // Operators only, before anything else: nobody else learns whether a username exists.
  const refused = operatorsOnly(actor);
  if (refused) return refused;
  const named = await accountNamed(deps, request);
  if (!named) return fail(ErrorCode.NOT_FOUND, 'no such user');
  const userId = named.id;
  if (userId === actor.member.id) {
    return fail(ErrorCode.BAD_REQUEST, 'an operator cannot suspend themselves');
  }
  const account = await deps.accounts.setSuspended(userId, suspended);
  if (!account) return fail(ErrorCode.NOT_FOUND, 'no such user');
  if (suspended) {
    // Every session ends, and every connection of theirs closes, on every node.
    await deps.sessionStore.revokeAll(userId);
    deps.sessions.end(userId, undefined, 'suspended');
  }
  deps.logger.info({ by: actor.member.id, userId, suspended }, 'account suspension');
  return { ok: true, userId };
}

export async function deleteRoom(
  { actor, deps }: RequestContext,
  { room }: RequestOf<'admin:delete-room'>,
): Promise<ResultOf<'admin:delete-room'>> {
  const refused = operatorsOnly(actor) ?? checkRoom(room);
  if (refused) return refused;
  if (room === DEFAULT_ROOM) return fail(ErrorCode.BAD_REQUEST, 'general cannot be deleted');
  await removeEveryone(deps, room, actor.member);
  await Promise.all([deps.history.deleteRoom(room), deps.moderation.forget(room)]);
  deps.logger.info({ by: actor.member.id, room }, 'room deleted');
  return { ok: true, room };
}
