import type { RequestAction, RequestContext } from '../deps.js';
import {
  ErrorCode,
  Limits,
  type Ack,
  type ChangeResult,
  type RequestOf,
  type ResultOf,
} from '../../../common/contract.js';
import { fail, rateLimited } from '../errors.js';
import type { ChangeRefusal, MessageChange } from './store.js';
import { checkMember, checkText } from '../validation.js';
import { audienceOf } from '../conversations/participants.js';
import { moderates } from '../moderation/authority.js';
import { refuseWrite } from '../rooms/access.js';

const REFUSALS: Record<ChangeRefusal, { code: ErrorCode; message: string }> = {
  not_found: { code: ErrorCode.NOT_FOUND, message: 'no such message in this room' },
  deleted: { code: ErrorCode.NOT_FOUND, message: 'the message was deleted' },
  not_allowed: { code: ErrorCode.NOT_ALLOWED, message: 'only its author may change a message' },
  too_many_reactions: {
    code: ErrorCode.TOO_MANY_REACTIONS,
    message: `a message takes at most ${Limits.reactionsPerMessage} different reactions`,
  },
};

/**
 * Applies one change to a message of a room the connection is in, and tells the room. The
 * store decides whether the user may (author only, not deleted) in the same step as it
 * writes, so that two nodes changing one message at once cannot undo each other.
 */
async function changeMessage(
  { actor, socket, deps, limits }: RequestContext,
  room: string,
  id: string,
  change: MessageChange,
): Promise<Ack<ChangeResult>> {
  const refused = checkMember(socket.rooms, room);
  if (refused) return refused;
  // A muted user may still take their own words back, but not add any.
  if (change.kind !== 'delete') {
    const muted = await refuseWrite(deps, actor, room);
    if (muted) return muted;
  }
  if (!(await deps.userLimits.takeMessage(actor.member.id))) {
    limits.strike();
    return rateLimited();
  }
  let outcome = await deps.history.change(room, id, change);
  // Someone else's message: a moderator of the room removes it, and it is recorded.
  if (
    change.kind === 'delete' &&
    outcome.status === 'refused' &&
    outcome.reason === 'not_allowed' &&
    (await moderates(deps, actor, room, (await deps.history.get(room, id))?.author.id ?? ''))
  ) {
    outcome = await deps.history.change(room, id, { ...change, moderator: true });
    if (outcome.status === 'changed') {
      await deps.moderation.record(room, {
        at: deps.now(),
        by: actor.member.id,
        action: 'delete-message',
        target: outcome.message.author.id,
        detail: id,
      });
    }
  }
  if (outcome.status === 'refused') {
    const { code, message } = REFUSALS[outcome.reason];
    return fail(code, message);
  }
  if (outcome.status === 'changed') {
    const { message, prev } = outcome;
    const pos = message.pos ?? message.id;
    // Like a new message, each change names the position before it, so that a receiver
    // notices a change it never got and catches up.
    const audience = await audienceOf(deps, room);
    if (message.deleted) {
      socket.to(audience).emit('message:deleted', {
        room,
        id,
        pos,
        ...(prev ? { prev } : {}),
        ...(message.removedByModerator ? { removedByModerator: true } : {}),
      });
    } else {
      socket
        .to(audience)
        .emit('message:updated', prev === undefined ? message : { ...message, prev });
    }
  }
  return { ok: true, message: outcome.message };
}

export async function editMessage(
  ctx: RequestContext,
  { room, id, text }: RequestOf<'message:edit'>,
): Promise<ResultOf<'message:edit'>> {
  const checked = checkText(text, ctx.deps.config.maxTextLength);
  if (typeof checked !== 'string') return checked;
  const by = ctx.actor.member.id;
  return changeMessage(ctx, room, id, { kind: 'edit', by, text: checked, at: ctx.deps.now() });
}

const react =
  (add: boolean): RequestAction<'reaction:add'> =>
  (ctx, { room, id, emoji }) =>
    changeMessage(ctx, room, id, {
      kind: 'react',
      by: ctx.actor.member,
      emoji,
      add,
      maxEmoji: Limits.reactionsPerMessage,
    });

export const deleteMessage: RequestAction<'message:delete'> = (ctx, { room, id }) =>
  changeMessage(ctx, room, id, {
    kind: 'delete',
    by: ctx.actor.member.id,
    at: ctx.deps.now(),
  });

export const addReaction = react(true);
export const removeReaction = react(false);
