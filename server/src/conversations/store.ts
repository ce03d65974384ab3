import { createHash } from 'node:crypto';
import { DIRECT_ROOM_PREFIX } from '../../../common/contract.js';
import { compareIdKeys, parseId } from '../messages/store.js';

/**
 * Who is in each direct conversation, and how far each user has read each room. Behind one
 * async interface with memory, SQLite and Redis implementations, like history and accounts.
 */
export interface ConversationStore {
  /** Records a conversation and its participants; opening it again changes nothing. */
  open(room: string, participants: readonly string[]): Promise<void>;
  /** The participants' user ids, or undefined when no such conversation was opened. */
  participants(room: string): Promise<string[] | undefined>;
  /** The conversations a user takes part in. */
  conversationsOf(userId: string): Promise<string[]>;
  /** Moves the user's read marker in a room forward to `position`; returns the marker now. */
  markRead(userId: string, room: string, position: string): Promise<string>;
  /** Every read marker of a user, by room. */
  readMarks(userId: string): Promise<Map<string, string>>;
}

export { isDirectRoom as isDirect } from '../../../common/contract.js';

/**
 * The room of a set of people: the same set always gets the same room, whoever opens it,
 * and the name tells nothing of who they are. 32 hex digits of SHA-256 over the sorted ids.
 */
export function directRoom(userIds: readonly string[]): string {
  const ids = [...new Set(userIds)].sort();
  const digest = createHash('sha256').update(ids.join('\n')).digest('hex');
  return `${DIRECT_ROOM_PREFIX}${digest.slice(0, 32)}`;
}

/** The later of two positions (a marker never moves back). */
export function laterPosition(a: string | undefined, b: string): string {
  if (a === undefined) return b;
  const ka = parseId(a);
  const kb = parseId(b);
  if (!ka || !kb) return b;
  return compareIdKeys(kb, ka) > 0 ? b : a;
}

export function createMemoryConversations(): ConversationStore {
  const members = new Map<string, string[]>();
  const byUser = new Map<string, Set<string>>();
  const marks = new Map<string, Map<string, string>>();
  return {
    open(room, participants) {
      if (!members.has(room)) {
        members.set(room, [...participants]);
        for (const id of participants) {
          let rooms = byUser.get(id);
          if (!rooms) byUser.set(id, (rooms = new Set()));
          rooms.add(room);
        }
      }
      return Promise.resolve();
    },
    participants: (room) => Promise.resolve(members.get(room)?.slice()),
    conversationsOf: (userId) => Promise.resolve([...(byUser.get(userId) ?? [])]),
    markRead(userId, room, position) {
      let mine = marks.get(userId);
      if (!mine) marks.set(userId, (mine = new Map<string, string>()));
      const now = laterPosition(mine.get(room), position);
      mine.set(room, now);
      return Promise.resolve(now);
    },
    readMarks: (userId) => Promise.resolve(new Map(marks.get(userId) ?? [])),
  };
}
