import type { RoomInfo } from './contract.js';

/**
 * A user's role in a room. The room's info names its owner and moderators, and the operators
 * (`ADMIN_USERS`), who rank above the owner in every room. Server and client both decide who
 * may do what from these few lines, so the two never disagree (protocol section 9).
 */
export type Role = 'operator' | 'owner' | 'moderator' | 'member';

const RANK: Record<Role, number> = { member: 0, moderator: 1, owner: 2, operator: 3 };

/** Whether `role` ranks at least `least` (operator > owner > moderator > member). */
export const atLeast = (role: Role, least: Role): boolean => RANK[role] >= RANK[least];

/** A user's role in a room, from its info (which names the operators too). */
export function roleIn(info: RoomInfo | undefined, userId: string): Role {
  if (info?.operators.includes(userId)) return 'operator';
  if (info?.owner === userId) return 'owner';
  if (info?.moderators.includes(userId)) return 'moderator';
  return 'member';
}

/**
 * Whether someone of role `actor` may act on someone of role `target`: a moderation action
 * needs a moderator or above, and its target must rank lower than the actor.
 */
export const outranks = (actor: Role, target: Role): boolean =>
  atLeast(actor, 'moderator') && RANK[actor] > RANK[target];
