import type { Member } from '../../../common/contract.js';
import type { ChatSocket, SocketDeps } from './types.js';

// Membership is read through the adapter (fetchSockets), so the same code is right on one
// node and across a cluster: no per-process counters.

export async function roomMembers(deps: SocketDeps, room: string): Promise<Member[]> {
  const sockets = await deps.io.in(room).fetchSockets();
  return sockets.map((s) => s.data.member);
}

/** The chat rooms a socket is in (Socket.IO also puts each socket in a room of its own id). */
export const joinedRooms = (socket: ChatSocket): string[] =>
  [...socket.rooms].filter((room) => room !== socket.id);

async function announceLeave(deps: SocketDeps, room: string, member: Member): Promise<void> {
  const count = (await roomMembers(deps, room)).length;
  deps.io.to(room).emit('presence', { room, action: 'leave', member, count });
}

/**
 * Tells a room that a member left, without making anyone wait for it. The work is tracked
 * in `deps.background` so that shutdown lets it finish before the adapter closes.
 */
export function announceLeaveLater(deps: SocketDeps, room: string, member: Member): void {
  // The adapter is closing: leave the member in the cluster registry, and the other nodes
  // announce it with the rest of this node's members once its heartbeat stops.
  if (deps.quiescing()) return;
  deps.presence.left(room, member);
  const task = announceLeave(deps, room, member).catch((err: unknown) => {
    deps.logger.warn({ err, room }, 'could not announce a leave');
  });
  deps.background.add(task);
  void task.finally(() => deps.background.delete(task));
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
      for (const room of rooms) announceLeaveLater(deps, room, member);
    });
  });
}
