import { DEFAULT_ROOM, type RoomSummary } from '../../../common/contract.js';
import { isDirect } from '../conversations/store.js';
import { isChatRoom } from './membership.js';
import type { ChatDeps } from '../deps.js';

/** People (not connections) per chat room, across every node. */
export async function roomCounts(deps: Pick<ChatDeps, 'io'>): Promise<Map<string, number>> {
  const users = new Map<string, Set<string>>();
  for (const s of await deps.io.fetchSockets()) {
    for (const room of s.rooms) {
      if (!isChatRoom(room)) continue;
      let inRoom = users.get(room);
      if (!inRoom) users.set(room, (inRoom = new Set()));
      inRoom.add(s.data.member.id);
    }
  }
  return new Map([...users].map(([room, ids]) => [room, ids.size]));
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
  deps: Pick<ChatDeps, 'io' | 'history' | 'moderation'>,
  ttlMs: number,
  now: () => number,
): () => Promise<RoomSummary[]> {
  let cached: { at: number; rooms: Promise<RoomSummary[]> } | undefined;
  const compute = async (): Promise<RoomSummary[]> => {
    // A room exists while it holds messages, has people in it, or has settings (someone
    // created it): the last is what keeps a quiet room listed across a restart.
    const [stored, created, counts] = await Promise.all([
      deps.history.rooms(),
      deps.moderation.rooms(),
      roomCounts(deps),
    ]);
    // Direct conversations are nobody else's business: never listed.
    const names = new Set(
      [...stored, ...created, ...counts.keys()].filter((name) => !isDirect(name)),
    );
    names.delete(DEFAULT_ROOM);
    const listed = [...names]
      .map((name) => ({ name, members: counts.get(name) ?? 0 }))
      .sort(byBusiest)
      .slice(0, DIRECTORY_MAX - 1);
    // Private rooms are marked, for `rooms:list` to show only to those who may enter them.
    const settings = await Promise.all(listed.map((r) => deps.moderation.settings(r.name)));
    const rooms: RoomSummary[] = listed.map((r, i) =>
      settings[i]?.private ? { ...r, private: true } : r,
    );
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
