import { ErrorCode, type Ack, type JoinResult } from '../contract.js';
import { joinSchema, leaveSchema, roomsListSchema } from '../validation.js';
import { checkRoom, fail } from './guards.js';
import { announceLeaveLater, joinedRooms, roomMembers } from './presence.js';
import { onRequest, type ConnectionContext } from './request.js';
import type { SocketDeps } from './types.js';

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
          deps.presence.joined(room, socket.data.member);
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
    announceLeaveLater(deps, room, socket.data.member);
    return { ok: true, room };
  });

  onRequest(ctx, 'rooms:list', { schema: roomsListSchema, needsAck: true }, async () => ({
    ok: true,
    rooms: await deps.directory(),
  }));
}
