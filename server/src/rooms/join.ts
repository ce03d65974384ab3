import {
  ErrorCode,
  type JoinResult,
  type RequestOf,
  type ResultOf,
} from '../../../common/contract.js';
import { fail } from '../errors.js';
import { checkRoom } from '../validation.js';
import { refuseEntry } from '../conversations/participants.js';
import { infoOf, isOwnable, refuseJoin } from './access.js';
import { connectionLeft, departureKey } from './presence.js';
import { distinctMembers, joinedRooms } from './membership.js';
import { rememberJoin, rememberLeave } from './mine.js';
import type { ChatDeps, RequestContext } from '../deps.js';

async function historyOnJoin(
  deps: ChatDeps,
  room: string,
  since: string | undefined,
): Promise<Pick<JoinResult, 'history' | 'hasMore' | 'gap' | 'gapReason' | 'position'>> {
  const latest = async () => {
    const page = await deps.history.latest(room, deps.config.historyPage);
    return {
      history: page.messages,
      hasMore: page.hasMore,
      ...(page.head ? { position: page.head } : {}),
    };
  };
  if (since === undefined) return { ...(await latest()), gap: false };
  // A long absence is not replayed whole: past HISTORY_LIMIT the client gets the newest page
  // and pages back from it (gap, `too_many`).
  const replay = await deps.history.after(room, since, deps.config.historyLimit);
  if (!replay.gap) {
    return {
      history: replay.messages,
      hasMore: replay.hasMore,
      gap: false,
      ...(replay.head ? { position: replay.head } : {}),
    };
  }
  return { ...(await latest()), gap: true, gapReason: replay.gapReason ?? 'unknown' };
}

export async function joinRoom(
  { actor, socket, deps }: RequestContext,
  { room, since }: RequestOf<'room:join'>,
): Promise<ResultOf<'room:join'>> {
  const invalid = checkRoom(room);
  if (invalid) return invalid;
  const rejoin = socket.rooms.has(room);
  if (!rejoin && joinedRooms(socket).length >= deps.config.maxRoomsPerConnection) {
    return fail(
      ErrorCode.TOO_MANY_ROOMS,
      `a connection may be in at most ${deps.config.maxRoomsPerConnection} rooms`,
    );
  }
  if (!rejoin) {
    const refused =
      (await refuseEntry(deps, actor.member.id, room)) ??
      (await refuseJoin(deps, actor, room)) ??
      (await deps.roomCapacity.admit(actor, room));
    if (refused) return refused;
  }
  // Join before reading history, so that no message falls between the two: one sent in
  // between may arrive both live and in `history`, and clients dedupe by id.
  await socket.join(room);
  try {
    const [replay, sockets] = await Promise.all([
      historyOnJoin(deps, room, since),
      deps.io.in(room).fetchSockets(),
    ]);
    const self = actor.member;
    const members = distinctMembers(sockets);
    // Whoever opens a new room owns it: nobody else is in it and it holds nothing.
    if (!rejoin && isOwnable(room) && members.length === 1 && replay.history.length === 0) {
      const created = await deps.moderation.create(room, {
        owner: self.id,
        private: false,
        createdAt: deps.now(),
      });
      if (created) {
        await deps.moderation.record(room, { at: deps.now(), by: self.id, action: 'create' });
      }
    }
    const info = await infoOf(deps, room);
    if (!rejoin) {
      await rememberJoin(deps, socket, room);
      deps.presence.joined(room, socket.id, self);
      // A user's second tab, or their return within the grace period, joins silently:
      // the room still lists them.
      const alreadyHere =
        deps.departing.has(departureKey(room, self.id)) ||
        sockets.some((s) => s.id !== socket.id && s.data.member.id === self.id);
      if (!alreadyHere) {
        socket.to(room).emit('presence', {
          room,
          action: 'join',
          member: self,
          count: members.length,
        });
      }
    }
    const operator = actor.admin ? { operator: true as const } : {};
    return { ok: true, room, self, members, info, ...operator, ...replay };
  } catch (err) {
    if (!rejoin) await socket.leave(room);
    throw err;
  }
}

export async function leaveRoom(
  { socket, deps }: RequestContext,
  { room }: RequestOf<'room:leave'>,
): Promise<ResultOf<'room:leave'>> {
  const invalid = checkRoom(room);
  if (invalid) return invalid;
  if (!socket.rooms.has(room)) return fail(ErrorCode.NOT_IN_ROOM, `not in room ${room}`);
  await socket.leave(room);
  await rememberLeave(deps, socket, room);
  // Leaving on purpose needs no grace period. The leave has happened whatever becomes of
  // the announcement, so the ack does not wait.
  connectionLeft(deps, room, socket.id, socket.data.member, 0);
  return { ok: true, room };
}
