import {
  DEFAULT_ROOM,
  ErrorCode,
  type Ack,
  type JoinResult,
  type RoomSummary,
} from '../contract.js';
import { joinSchema, leaveSchema, roomsListSchema } from '../validation.js';
import { checkRoom, fail } from './guards.js';
import { announceLeave, joinedRooms, roomCounts, roomMembers } from './presence.js';
import { onRequest, type ConnectionContext } from './request.js';
import type { SocketDeps } from './types.js';

/** `rooms:list` answers with at most this many rooms, the busiest first. */
const ROOMS_LIST_MAX = 200;

async function historyOnJoin(
  deps: SocketDeps,
  room: string,
  since: string | undefined,
): Promise<Pick<JoinResult, 'history' | 'hasMore' | 'gap'>> {
  if (since !== undefined) {
    const replay = await deps.history.after(room, since);
    if (!replay.gap) return { history: replay.messages, hasMore: replay.hasMore, gap: false };
  }
  const page = await deps.history.latest(room, deps.config.historyPage);
  return { history: page.messages, hasMore: page.hasMore, gap: since !== undefined };
}

export function registerRoomHandlers(ctx: ConnectionContext): void {
  const { socket, deps } = ctx;

  onRequest(
    ctx,
    'room:join',
    { schema: joinSchema, needsAck: true },
    async ({ room, since }): Promise<Ack<JoinResult>> => {
      const invalid = checkRoom(room);
      if (invalid) return invalid;
      const rejoin = socket.rooms.has(room);
      if (!rejoin && joinedRooms(socket).length >= deps.config.maxRoomsPerConnection) {
        return fail(
          ErrorCode.TOO_MANY_ROOMS,
          `a connection may be in at most ${deps.config.maxRoomsPerConnection} rooms`,
        );
      }
      // Join before reading history, so that no message falls between the two: one sent in
      // between may arrive both live and in `history`, and clients dedupe by id.
      await socket.join(room);
      try {
        const [replay, members] = await Promise.all([
          historyOnJoin(deps, room, since),
          roomMembers(deps, room),
        ]);
        if (!rejoin) {
          socket.to(room).emit('presence', {
            room,
            action: 'join',
            member: socket.data.member,
            count: members.length,
          });
        }
        return { ok: true, room, self: socket.data.member, members, ...replay };
      } catch (err) {
        if (!rejoin) await socket.leave(room);
        throw err;
      }
    },
  );

  onRequest(ctx, 'room:leave', { schema: leaveSchema, needsAck: true }, async ({ room }) => {
    const invalid = checkRoom(room);
    if (invalid) return invalid;
    if (!socket.rooms.has(room)) return fail(ErrorCode.NOT_IN_ROOM, `not in room ${room}`);
    await socket.leave(room);
    // The leave has happened whatever becomes of the announcement, so the ack does not wait.
    announceLeave(deps, room, socket.data.member).catch((err: unknown) => {
      deps.logger.warn({ err, room }, 'could not announce a leave');
    });
    return { ok: true, room };
  });

  onRequest(ctx, 'rooms:list', { schema: roomsListSchema, needsAck: true }, async () => {
    const [stored, counts] = await Promise.all([deps.history.rooms(), roomCounts(deps)]);
    const names = new Set([...stored, ...counts.keys()]);
    names.delete(DEFAULT_ROOM);
    const busiest: RoomSummary[] = [...names]
      .map((name) => ({ name, members: counts.get(name) ?? 0 }))
      .sort((a, b) => b.members - a.members || a.name.localeCompare(b.name))
      .slice(0, ROOMS_LIST_MAX - 1);
    // The default room is always listed, in its place by member count.
    const general = { name: DEFAULT_ROOM, members: counts.get(DEFAULT_ROOM) ?? 0 };
    const at = busiest.findIndex(
      (r) =>
        r.members < general.members ||
        (r.members === general.members && r.name.localeCompare(general.name) > 0),
    );
    busiest.splice(at === -1 ? busiest.length : at, 0, general);
    return { ok: true, rooms: busiest };
  });
}
