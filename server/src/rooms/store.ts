import type { Invitation } from '../../../common/contract.js';

/**
 * Each user's rooms and pending invitations, kept by user id so that they follow the user to
 * every tab and device. Behind one async interface with memory, SQLite and Redis
 * implementations, like history and accounts. Lists come sorted (rooms by name, invitations
 * oldest first), the same from every implementation.
 */
export interface MembershipStore {
  /** Records that the user is in the room; true when they were not before. */
  add(userId: string, room: string): Promise<boolean>;
  /** Forgets the room for the user; true when they were in it. */
  remove(userId: string, room: string): Promise<boolean>;
  /** The rooms the user is in, by name. */
  roomsOf(userId: string): Promise<string[]>;
  /** Keeps an invitation until it is answered; a second one to the same room replaces it. */
  invite(userId: string, invitation: Invitation): Promise<void>;
  /** Drops the user's invitation to the room; true when there was one. */
  dropInvitation(userId: string, room: string): Promise<boolean>;
  /** The user's pending invitations, oldest first. */
  invitationsOf(userId: string): Promise<Invitation[]>;
}

export const byAge = (a: Invitation, b: Invitation): number =>
  a.at - b.at || a.room.localeCompare(b.room);

export function createMemoryMemberships(): MembershipStore {
  const rooms = new Map<string, Set<string>>();
  const invitations = new Map<string, Map<string, Invitation>>();
  const of = <T>(map: Map<string, T>, userId: string, fresh: () => T): T => {
    let held = map.get(userId);
    if (!held) map.set(userId, (held = fresh()));
    return held;
  };
  return {
    add(userId, room) {
      const mine = of(rooms, userId, () => new Set<string>());
      const added = !mine.has(room);
      mine.add(room);
      return Promise.resolve(added);
    },
    remove: (userId, room) => Promise.resolve(rooms.get(userId)?.delete(room) ?? false),
    roomsOf: (userId) => Promise.resolve([...(rooms.get(userId) ?? [])].sort()),
    invite(userId, invitation) {
      of(invitations, userId, () => new Map<string, Invitation>()).set(invitation.room, {
        ...invitation,
      });
      return Promise.resolve();
    },
    dropInvitation: (userId, room) =>
      Promise.resolve(invitations.get(userId)?.delete(room) ?? false),
    invitationsOf: (userId) =>
      Promise.resolve([...(invitations.get(userId)?.values() ?? [])].sort(byAge)),
  };
}
