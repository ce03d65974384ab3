import type { Member } from '../../../common/contract.js';
import { distinctMembers, joinedRooms } from './membership.js';
import type { ChatSocket } from '../io.js';
import type { ChatDeps } from '../deps.js';

// Membership is read through the adapter (fetchSockets), so the same code is right on one
// node and across a cluster: no per-process counters. A member is a user, however many
// connections they have in the room.

export async function roomMembers(deps: ChatDeps, room: string): Promise<Member[]> {
  return distinctMembers(await deps.io.in(room).fetchSockets());
}

/**
 * Runs work that nobody awaits (announcements), tracked in `deps.background` so that
 * shutdown lets it finish before the adapter closes.
 */
export function inBackground(deps: ChatDeps, what: string, work: () => Promise<void>): void {
  if (deps.quiescing()) return;
  const task = work().catch((err: unknown) => {
    deps.logger.warn({ err, what }, 'background work failed');
  });
  deps.background.add(task);
  void task.finally(() => deps.background.delete(task));
}

/** Announces that `member` left `room`, unless another of their connections is still in it. */
async function announceIfGone(deps: ChatDeps, room: string, member: Member): Promise<void> {
  const members = await roomMembers(deps, room);
  if (members.some((m) => m.id === member.id)) return;
  deps.io.to(room).emit('presence', { room, action: 'leave', member, count: members.length });
}

/**
 * One connection of `member` is out of `room`. After `graceMs` (0: at once), if none of
 * their connections is back in the room on any node, the room hears that they left; a
 * reload or a reconnect within the grace period makes no noise.
 */
export function connectionLeft(
  deps: ChatDeps,
  room: string,
  socketId: string,
  member: Member,
  graceMs: number,
): void {
  // The adapter is closing: leave the connection in the cluster registry, and the other
  // nodes announce it with the rest of this node's members once its heartbeat stops.
  if (deps.quiescing()) return;
  const settle = () => {
    deps.presence.left(room, socketId);
    inBackground(deps, 'announce a leave', () => announceIfGone(deps, room, member));
  };
  if (graceMs <= 0) {
    settle();
    return;
  }
  const key = departureKey(room, member.id);
  deps.departing.set(key, (deps.departing.get(key) ?? 0) + 1);
  deps.timers.after(graceMs, () => {
    const n = (deps.departing.get(key) ?? 1) - 1;
    if (n > 0) deps.departing.set(key, n);
    else deps.departing.delete(key);
    settle();
  });
}

/** The key of a user's pending leave of a room in `ChatDeps.departing`. */
export const departureKey = (room: string, userId: string): string => `${room}\n${userId}`;

/**
 * Tells the rooms of a disconnecting socket that its member may have left; called on the
 * socket's `disconnecting`, while it is still in its rooms.
 */
export function announceDeparture(socket: ChatSocket, deps: ChatDeps, reason: string): void {
  // Sockets closed by this server's own shutdown have nobody local left to tell.
  if (reason === 'server shutting down') return;
  const rooms = joinedRooms(socket);
  const { member } = socket.data;
  // Counting waits for the socket to be out of its rooms, which happens after this event.
  socket.once('disconnect', () => {
    for (const room of rooms) {
      connectionLeft(deps, room, socket.id, member, deps.config.presenceGraceMs);
    }
  });
}
