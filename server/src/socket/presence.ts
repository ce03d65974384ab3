import type { Member } from '../contract.js';
import type { ChatSocket, SocketDeps } from './types.js';

// Membership is read through the adapter (fetchSockets), so the same code is right on one
// node and across a cluster: no per-process counters.

export async function roomMembers(deps: SocketDeps, room: string): Promise<Member[]> {
  const sockets = await deps.io.in(room).fetchSockets();
  return sockets.map((s) => s.data.member);
}

/** Connections per chat room, across every node. */
export async function roomCounts(deps: SocketDeps): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const s of await deps.io.fetchSockets()) {
    for (const room of s.rooms) {
      if (room !== s.id) counts.set(room, (counts.get(room) ?? 0) + 1);
    }
  }
  return counts;
}

/** The chat rooms a socket is in (Socket.IO also puts each socket in a room of its own id). */
export const joinedRooms = (socket: ChatSocket): string[] =>
  [...socket.rooms].filter((room) => room !== socket.id);

export async function announceLeave(deps: SocketDeps, room: string, member: Member) {
  const count = (await roomMembers(deps, room)).length;
  deps.io.to(room).emit('presence', { room, action: 'leave', member, count });
}

/** Tells the rooms of a disconnecting socket that its member left. */
export function registerPresence(socket: ChatSocket, deps: SocketDeps): void {
  socket.on('disconnecting', (reason) => {
    // Sockets closed by this server's own shutdown have nobody local left to tell.
    if (reason === 'server shutting down') return;
    const rooms = joinedRooms(socket);
    const member = socket.data.member;
    // Counting waits for the socket to be out of its rooms, which happens after this event.
    socket.once('disconnect', () => {
      for (const room of rooms) {
        announceLeave(deps, room, member).catch((err: unknown) => {
          deps.logger.warn({ err, room }, 'could not announce a leave');
        });
      }
    });
  });
}
