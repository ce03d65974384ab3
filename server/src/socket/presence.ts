import { DEFAULT_ROOM, type Member, type RoomSummary } from '../contract.js';
import type { ChatSocket, SocketDeps } from './types.js';

// Membership is read through the adapter (fetchSockets), so the same code is right on one
// node and across a cluster: no per-process counters.

export async function roomMembers(deps: SocketDeps, room: string): Promise<Member[]> {
  const sockets = await deps.io.in(room).fetchSockets();
  return sockets.map((s) => s.data.member);
}

/** Connections per chat room, across every node. */
export async function roomCounts(deps: Pick<SocketDeps, 'io'>): Promise<Map<string, number>> {
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

/** `rooms:list` answers with at most this many rooms, the busiest first. */
const DIRECTORY_MAX = 200;

const byBusiest = (a: RoomSummary, b: RoomSummary): number =>
  b.members - a.members || a.name.localeCompare(b.name);

/**
 * The room directory, computed at most once per `ttlMs` on this node: every client polls
 * it, and counting walks every socket in the cluster.
 */
export function createDirectory(
  deps: Pick<SocketDeps, 'io' | 'history'>,
  ttlMs: number,
  now: () => number,
): () => Promise<RoomSummary[]> {
  let cached: { at: number; rooms: Promise<RoomSummary[]> } | undefined;
  const compute = async (): Promise<RoomSummary[]> => {
    const [stored, counts] = await Promise.all([deps.history.rooms(), roomCounts(deps)]);
    const names = new Set([...stored, ...counts.keys()]);
    names.delete(DEFAULT_ROOM);
    const rooms = [...names]
      .map((name) => ({ name, members: counts.get(name) ?? 0 }))
      .sort(byBusiest)
      .slice(0, DIRECTORY_MAX - 1);
    // The default room is always listed, in its place by member count.
    const general = { name: DEFAULT_ROOM, members: counts.get(DEFAULT_ROOM) ?? 0 };
    const at = rooms.findIndex((r) => byBusiest(general, r) < 0);
    rooms.splice(at === -1 ? rooms.length : at, 0, general);
    return rooms;
  };
  return () => {
    const t = now();
    if (!cached || t - cached.at >= ttlMs) {
      const rooms = compute();
      const entry = { at: t, rooms };
      cached = entry;
      // A failed computation is not kept: the next request tries again.
      rooms.catch(() => {
        if (cached === entry) cached = undefined;
      });
    }
    return cached.rooms;
  };
}
