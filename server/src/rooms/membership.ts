import { Limits, type Member } from '../../../common/contract.js';
import { nameKey } from '../accounts/names.js';
import type { ChatIO, ChatSocket } from '../io.js';

// Besides chat rooms, every connection is in a room of its user (to reach all of a user's
// tabs on every node) and a guest's also in one of its name (to keep guest names unique
// among the guests online). Their names hold a colon, which no chat room name can.

export const userRoom = (userId: string): string => `user:${userId}`;
export const guestNameRoom = (name: string): string => `guest:${nameKey(name)}`;

/** True for the rooms people chat in, as opposed to the rooms above and a socket's own. */
export const isChatRoom = (room: string): boolean => Limits.roomPattern.test(room);

/** The chat rooms a socket is in. */
export const joinedRooms = (socket: ChatSocket): string[] => [...socket.rooms].filter(isChatRoom);

/** Puts a new connection in the rooms of its user. */
export async function joinUserRooms(socket: ChatSocket): Promise<void> {
  const { member } = socket.data;
  await socket.join(
    member.guest ? [userRoom(member.id), guestNameRoom(member.name)] : [userRoom(member.id)],
  );
}

/** True when a guest other than `userId` is connected under a name with this name's key. */
export async function guestNameOnline(io: ChatIO, name: string, userId?: string): Promise<boolean> {
  const sockets = await io.in(guestNameRoom(name)).fetchSockets();
  return sockets.some((s) => s.data.member.id !== userId);
}

/** The distinct users among some connections, in the order first seen. */
export function distinctMembers(sockets: readonly { data: { member: Member } }[]): Member[] {
  const byId = new Map<string, Member>();
  for (const s of sockets)
    if (!byId.has(s.data.member.id)) byId.set(s.data.member.id, s.data.member);
  return [...byId.values()];
}
