import type { RequestAction, ChatDeps, RequestContext } from '../deps.js';
import type { Member, RequestOf, ResultOf } from '../../../common/contract.js';
import { connectionLeft } from '../rooms/presence.js';
import { userRoom } from '../rooms/membership.js';
import { over, announce } from './authority.js';

/** Takes every connection of this user on this node out of the room. */
export function removeLocally(deps: ChatDeps, room: string, userId: string): void {
  const nsp = deps.io.of('/');
  for (const id of nsp.adapter.rooms.get(userRoom(userId)) ?? []) {
    const socket = nsp.sockets.get(id);
    if (!socket?.rooms.has(room)) continue;
    void socket.leave(room);
    connectionLeft(deps, room, socket.id, socket.data.member, 0);
  }
}

/** Another node took a user out of a room (`remove` below): so does this one. */
export function listenForRemovals(deps: ChatDeps): void {
  deps.io.on('removed', ({ room, userId }) => {
    removeLocally(deps, room, userId);
  });
}

/**
 * Takes every connection of this user out of the room, on every node at once, and the room
 * out of their list: a kick or a ban does not follow them to their next device.
 */
async function remove(deps: ChatDeps, room: string, userId: string): Promise<void> {
  removeLocally(deps, room, userId);
  await deps.memberships.remove(userId, room);
  if (deps.clustered) deps.io.serverSideEmit('removed', { room, userId });
}

/** Takes everyone out of a room, on every node, telling them it was deleted. */
export async function removeEveryone(deps: ChatDeps, room: string, by: Member): Promise<void> {
  deps.io.to(room).emit('room:removed', { room, reason: 'deleted', by });
  const users = new Set((await deps.io.in(room).fetchSockets()).map((s) => s.data.member.id));
  await Promise.all([...users].map((userId) => remove(deps, room, userId)));
}

export async function kick(
  ctx: RequestContext,
  { room, userId: target }: RequestOf<'room:kick'>,
): Promise<ResultOf<'room:kick'>> {
  const allowed = await over(ctx, room, target);
  if ('ok' in allowed) return allowed;
  const by = ctx.actor.member;
  ctx.deps.io.to(userRoom(target)).emit('room:removed', { room, reason: 'kick', by });
  // The room hears why before it hears them leave: "olga removed spam", then "spam left".
  await announce(ctx, { room, action: 'kick', target: allowed.target });
  await remove(ctx.deps, room, target);
  return { ok: true, room, userId: target };
}

/** A ban or a mute: stored, the user told, and for a ban taken out of the room. */
function sanction(kind: 'ban' | 'mute'): RequestAction<'room:ban'> {
  return async (ctx, { room, userId: target, minutes, reason: why }) => {
    const allowed = await over(ctx, room, target);
    if ('ok' in allowed) return allowed;
    const by = ctx.actor.member;
    const until = minutes === undefined ? null : ctx.deps.now() + minutes * 60_000;
    const record = { until, by: by.id, ...(why ? { reason: why } : {}) };
    if (kind === 'ban') {
      await ctx.deps.moderation.ban(room, target, record);
      ctx.deps.io.to(userRoom(target)).emit('room:removed', {
        room,
        reason: 'ban',
        by,
        ...(until === null ? {} : { until }),
        ...(why ? { message: why } : {}),
      });
    } else {
      await ctx.deps.moderation.mute(room, target, record);
    }
    await announce(
      ctx,
      {
        room,
        action: kind,
        target: allowed.target,
        ...(until === null ? {} : { until }),
        ...(why ? { reason: why } : {}),
      },
      minutes === undefined ? 'until lifted' : `${minutes} min`,
    );
    // After the announcement, as for a kick. The ban is stored already: a rejoin is refused.
    if (kind === 'ban') await remove(ctx.deps, room, target);
    return { ok: true, room, userId: target, ...(until === null ? {} : { until }) };
  };
}

function lift(kind: 'unban' | 'unmute'): RequestAction<'room:unban'> {
  return async (ctx, { room, userId: target }) => {
    const allowed = await over(ctx, room, target);
    if ('ok' in allowed) return allowed;
    if (kind === 'unban') await ctx.deps.moderation.unban(room, target);
    else await ctx.deps.moderation.unmute(room, target);
    await announce(ctx, { room, action: kind, target: allowed.target });
    return { ok: true, room, userId: target };
  };
}

export const ban = sanction('ban');
export const mute = sanction('mute');
export const unban = lift('unban');
export const unmute = lift('unmute');
