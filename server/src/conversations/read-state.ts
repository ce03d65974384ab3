import type {
  Member,
  ReadResult,
  RoomState,
  RequestOf,
  ResultOf,
} from '../../../common/contract.js';
import { memberOf } from '../accounts/auth.js';
import { checkMember } from '../validation.js';
import { joinedRooms, userRoom } from '../rooms/membership.js';
import { participantsOf } from './participants.js';
import type { RequestContext } from '../deps.js';

/** Rooms `rooms:state` reports, at most: conversations first, then rooms by marker. */
const STATE_MAX = 200;

export async function markRead(
  { actor, socket, deps }: RequestContext,
  { room, id }: RequestOf<'room:read'>,
): Promise<ResultOf<'room:read'>> {
  const refused = checkMember(socket.rooms, room);
  if (refused) return refused;
  const self = actor.member.id;
  const marker = await deps.conversations.markRead(self, room, id);
  // The user's other tabs and devices clear their counts too.
  socket.to(userRoom(self)).emit('room:read', { room, id: marker });
  return { ok: true, room, id: marker };
}

/**
 * "Mark all as read": every room the connection is in and every conversation of the user,
 * up to its newest position. The user's other connections hear one `room:read` per room.
 */
export async function markAllRead({
  actor,
  socket,
  deps,
}: RequestContext): Promise<ResultOf<'rooms:read-all'>> {
  const self = actor.member.id;
  const rooms = [
    ...new Set([...joinedRooms(socket), ...(await deps.conversations.conversationsOf(self))]),
  ].slice(0, STATE_MAX);
  const marked = await Promise.all(
    rooms.map(async (room): Promise<ReadResult | undefined> => {
      const head = (await deps.history.latest(room, 1)).head;
      if (head === undefined) return undefined;
      return { room, id: await deps.conversations.markRead(self, room, head) };
    }),
  );
  const results = marked.filter((r): r is ReadResult => r !== undefined);
  for (const read of results) socket.to(userRoom(self)).emit('room:read', read);
  return { ok: true, rooms: results };
}

export async function roomsState({
  actor,
  deps,
}: RequestContext): Promise<ResultOf<'rooms:state'>> {
  const self = actor.member.id;
  const [marks, direct] = await Promise.all([
    deps.conversations.readMarks(self),
    deps.conversations.conversationsOf(self),
  ]);
  const rooms = [...new Set([...direct, ...marks.keys()])].slice(0, STATE_MAX);
  const names = new Map<string, Member>();
  const personOf = async (id: string): Promise<Member> => {
    let member = names.get(id);
    if (!member) {
      const account = await deps.accounts.findById(id);
      member = account ? memberOf(account) : { id, name: 'unknown user' };
      names.set(id, member);
    }
    return member;
  };
  const states = await Promise.all(
    rooms.map(async (room): Promise<RoomState> => {
      const read = marks.get(room);
      const counts = await deps.history.unread(room, read, self);
      const participants = await participantsOf(deps, room);
      return {
        room,
        ...counts,
        ...(read === undefined ? {} : { read }),
        ...(participants ? { participants: await Promise.all(participants.map(personOf)) } : {}),
      };
    }),
  );
  return { ok: true, rooms: states };
}
