import {
  ErrorCode,
  type Invitation,
  type RequestOf,
  type ResultOf,
} from '../../../common/contract.js';
import { isDirect } from '../conversations/store.js';
import { fail } from '../errors.js';
import { checkRoom } from '../validation.js';
import { userRoom } from './membership.js';
import type { ChatDeps, RequestContext } from '../deps.js';
import type { ChatSocket } from '../io.js';

// A user's rooms follow them: every join and leave is kept by user id (guests too, for as
// long as their id lives), and told to their other connections, which follow it.

/** The socket joined a room: it joins the user's list, and an invitation to it is answered. */
export async function rememberJoin(
  deps: ChatDeps,
  socket: ChatSocket,
  room: string,
): Promise<void> {
  if (isDirect(room)) return; // conversations have their own list (conversations/store.ts)
  const userId = socket.data.member.id;
  const [added, answered] = await Promise.all([
    deps.memberships.add(userId, room),
    deps.memberships.dropInvitation(userId, room),
  ]);
  if (added) socket.to(userRoom(userId)).emit('room:membership', { room, action: 'join' });
  if (answered) deps.io.to(userRoom(userId)).emit('invitation:gone', { room });
}

/** The socket left a room on purpose: it leaves the user's list, on every device. */
export async function rememberLeave(
  deps: ChatDeps,
  socket: ChatSocket,
  room: string,
): Promise<void> {
  if (isDirect(room)) return;
  const userId = socket.data.member.id;
  if (await deps.memberships.remove(userId, room)) {
    socket.to(userRoom(userId)).emit('room:membership', { room, action: 'leave' });
  }
}

/** `rooms:mine`: the asking user's own rooms and invitations, never anyone else's. */
export async function myRooms({ actor, deps }: RequestContext): Promise<ResultOf<'rooms:mine'>> {
  const userId = actor.member.id;
  const [rooms, invitations] = await Promise.all([
    deps.memberships.roomsOf(userId),
    deps.memberships.invitationsOf(userId),
  ]);
  return { ok: true, rooms, invitations };
}

/** Keeps an invitation for the invitee and shows it on every tab they have open. */
export async function deliverInvitation(
  deps: ChatDeps,
  userId: string,
  invitation: Invitation,
): Promise<void> {
  await deps.memberships.invite(userId, invitation);
  deps.io.to(userRoom(userId)).emit('invitation', { invitation });
}

/** `invitation:decline`: only one's own invitation; it goes from every tab. */
export async function declineInvitation(
  { actor, deps }: RequestContext,
  { room }: RequestOf<'invitation:decline'>,
): Promise<ResultOf<'invitation:decline'>> {
  const invalid = checkRoom(room);
  if (invalid) return invalid;
  const userId = actor.member.id;
  if (!(await deps.memberships.dropInvitation(userId, room))) {
    return fail(ErrorCode.NOT_FOUND, 'you have no invitation to this room');
  }
  deps.io.to(userRoom(userId)).emit('invitation:gone', { room });
  return { ok: true, room };
}
