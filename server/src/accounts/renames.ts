import type { Member } from '../../../common/contract.js';
import { distinctMembers, guestNameRoom, isChatRoom, userRoom } from '../rooms/membership.js';
import type { ChatIO } from '../io.js';

/** Updates this node's connections of a user who changed their display name. */
export function renameLocally(io: ChatIO, member: Member): void {
  const nsp = io.of('/');
  for (const id of nsp.adapter.rooms.get(userRoom(member.id)) ?? []) {
    const socket = nsp.sockets.get(id);
    if (!socket) continue;
    const before = socket.data.member;
    socket.data.member = member;
    if (member.guest && before.name !== member.name) {
      void socket.leave(guestNameRoom(before.name));
      void socket.join(guestNameRoom(member.name));
    }
  }
}

/** Another node's user changed their name (`announceRename` below): update ours. */
export function listenForRenames(io: ChatIO): void {
  io.on('renamed', (member) => {
    renameLocally(io, member);
  });
}

/**
 * A user changed their display name: every node updates its connections of theirs, and
 * every room they are in hears a rename (not a leave and a join), once.
 */
export async function announceRename(
  io: ChatIO,
  member: Member,
  previousName: string,
  clustered: boolean,
): Promise<void> {
  renameLocally(io, member);
  if (clustered) io.serverSideEmit('renamed', member);
  const sockets = await io.in(userRoom(member.id)).fetchSockets();
  const rooms = new Set(sockets.flatMap((s) => [...s.rooms].filter(isChatRoom)));
  for (const room of rooms) {
    const count = distinctMembers(await io.in(room).fetchSockets()).length;
    io.to(room).emit('presence', { room, action: 'rename', member, previousName, count });
  }
}
