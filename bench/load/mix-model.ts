// What S6's users do and how often, and the generator's model of them: who is in which room,
// what each has sent and reacted to, and what should have reached each of them.
import { compareIdKeys, parseId } from '../../server/src/messages/store.js';
import type { BenchClient } from './client.js';
import { RoomGate } from './room-gate.js';

/**
 * What one user does, per second on average, in a busy hour of an active chat (bench/README.md
 * says why each). Each is a steady rate over all users, every action by a user drawn at random.
 */
export const RATES = {
  /** One message a minute in all: two in three to rooms, one in three to a conversation. */
  roomMessage: 1 / 90,
  directMessage: 1 / 180,
  /** A start and a stop for each message. */
  typing: 1 / 30,
  /** One message in twenty is edited. */
  edit: 1 / 1200,
  /** One reaction for every four messages; one in five is taken back. */
  reactionAdd: 1 / 240,
  reactionRemove: 1 / 1200,
  /** The room on screen is marked read as messages arrive, at most every few seconds. */
  read: 1 / 30,
  /** A look into a room one is not in (joined, then left after VISIT_SECONDS). */
  visit: 1 / 120,
  /** A new conversation: opened, joined, and written in. */
  directOpen: 1 / 600,
  /** A dropped connection (a phone's network, a laptop's sleep), back after OFFLINE_SECONDS. */
  reconnect: 1 / 600,
} as const;
export type Activity = keyof typeof RATES;

/** How long a visit to a room lasts, in seconds. */
export const VISIT_SECONDS = [3, 20] as const;
/** How long a dropped connection stays away, in seconds: some past PRESENCE_GRACE_MS (5 s). */
export const OFFLINE_SECONDS = [0.5, 8] as const;

/** Rooms a user may be in at once here: under MAX_ROOMS_PER_CONNECTION (20). */
export const MAX_ROOMS = 16;
/** Messages of a room that others react to, and of a user that it may edit: the newest few. */
const RECENT = 10;

export type RoomKind = 'large' | 'small' | 'direct';

export interface Room {
  name: string;
  kind: RoomKind;
  gate: RoomGate;
  /** Users whose connection is in the room. */
  here: Set<User>;
  /** Users who dropped their connection and will rejoin: where they left off, what they missed. */
  away: Map<User, { since: string | undefined; missed: number }>;
  /** A conversation's participants: its messages and changes reach them, joined or not. */
  participants: User[] | undefined;
  /** The newest messages, for reactions. */
  recent: { id: string; author: User }[];
  /** The newest message acked: where a connection that drops now resumes from. */
  lastId: string | undefined;
}

export interface User {
  id: string;
  client: BenchClient;
  online: boolean;
  /** The rooms its connection is in, or will rejoin when it is back. */
  rooms: Set<Room>;
  /** The conversations it takes part in, joined or not. */
  direct: Set<Room>;
  partners: Set<User>;
  /** While it drops or resumes its connection: the rooms held (a conversation opened meanwhile joins them). */
  transition: Set<Room> | undefined;
  own: { room: Room; id: string }[];
  reactions: { room: Room; id: string; emoji: string }[];
  /** Per room, the sequence its messages there carry (receivers check their order). */
  streams: Map<Room, { id: number; seq: number }>;
  typing: boolean;
  /** Its actions, one after another. */
  queue: Promise<void>;
  /** What should have reached it: messages, changes of messages, typing notices. */
  expected: { messages: number; updates: number; typings: number };
}

export const newRoom = (name: string, kind: RoomKind, participants?: User[]): Room => ({
  name,
  kind,
  gate: new RoomGate(),
  here: new Set(),
  away: new Map(),
  participants,
  recent: [],
  lastId: undefined,
});

export const newUser = (id: string, client: BenchClient): User => ({
  id,
  client,
  online: false,
  rooms: new Set(),
  direct: new Set(),
  partners: new Set(),
  transition: undefined,
  own: [],
  reactions: [],
  streams: new Map(),
  typing: false,
  queue: Promise.resolve(),
  expected: { messages: 0, updates: 0, typings: 0 },
});

export const isPublic = (r: Room): boolean => r.kind !== 'direct';
export const isDirect = (r: Room): boolean => r.kind === 'direct';
export const roomsOf = (u: User, where: (r: Room) => boolean): Room[] => [...u.rooms].filter(where);
/** Its own recent messages in rooms it is in. */
export const editable = (u: User) => u.own.filter((m) => u.rooms.has(m.room));
/** Others' recent messages in a room. */
export const othersIn = (r: Room, u: User) => r.recent.filter((m) => m.author !== u);
/** Its reactions in rooms it is in. */
export const removable = (u: User) => u.reactions.filter((x) => u.rooms.has(x.room));

/** Whether message id `a` comes after `b` (ids are `<ms>-<seq>`). */
export function after(a: string, b: string): boolean {
  const ka = parseId(a);
  const kb = parseId(b);
  return ka !== undefined && kb !== undefined && compareIdKeys(ka, kb) > 0;
}

/** A message of `user`'s was acked: it is among the newest of its room and of its author. */
export function sent(room: Room, user: User, id: string): void {
  room.recent.push({ id, author: user });
  if (room.recent.length > RECENT) room.recent.shift();
  user.own.push({ room, id });
  if (user.own.length > RECENT) user.own.shift();
  if (room.lastId === undefined || after(id, room.lastId)) room.lastId = id;
}

/**
 * A delivery was acked: who should have received it, as the room is now (the server writes
 * to every recipient before it acks, and RoomGate keeps the room's membership still meanwhile).
 */
export function expectDelivery(room: Room, sender: User, what: keyof User['expected']): void {
  if (what !== 'typings' && room.participants) {
    // A conversation's news reaches every connection of its participants, joined or not; a
    // typing notice only those that joined it.
    for (const u of room.participants) if (u !== sender && u.online) u.expected[what]++;
  } else {
    for (const u of room.here) if (u !== sender) u.expected[what]++;
  }
  if (what === 'messages') for (const away of room.away.values()) away.missed++;
}
