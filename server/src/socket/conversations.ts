import { z } from 'zod';
import {
  ErrorCode,
  type AckFailure,
  type DirectOpenRequest,
  type Member,
  type ReadRequest,
  type RoomsStateRequest,
  type RoomState,
} from '../../../common/contract.js';
import type { Account } from '../accounts/store.js';
import { directRoom, isDirect } from '../conversations/store.js';
import { fail } from '../errors.js';
import { parseId } from '../history/store.js';
import { checkMember } from '../validation.js';
import type { EventHandler } from './dispatch.js';
import { userRoom } from './rooms-of-users.js';
import type { SocketDeps } from './types.js';

/** Other people in one direct conversation, at most. */
export const MAX_OTHERS = 7;
/** Rooms `rooms:state` reports, at most: conversations first, then rooms by marker. */
const STATE_MAX = 200;
/** Conversations whose participants this node remembers; they never change once opened. */
const CACHE_MAX = 10_000;

const userId = z.string().min(1).max(64);

export const directOpenSchema = z.object({
  users: z
    .array(userId)
    .min(1)
    .max(MAX_OTHERS + 1),
}) satisfies z.ZodType<DirectOpenRequest>;

export const readSchema = z.object({
  room: z.string(),
  id: z.string().refine((id) => parseId(id) !== undefined, { error: 'not a position' }),
}) satisfies z.ZodType<ReadRequest>;

export const roomsStateSchema = z
  .object({})
  .optional()
  .transform((): RoomsStateRequest => ({})) satisfies z.ZodType<RoomsStateRequest>;

export const memberOfAccount = (a: Account): Member => ({
  id: a.id,
  name: a.name,
  ...(a.guest ? { guest: true as const } : {}),
});

type Deps = Pick<SocketDeps, 'conversations'>;

const cache = new WeakMap<Deps['conversations'], Map<string, string[]>>();

/** The participants of a conversation (remembered once known), or undefined for a public room. */
export async function participantsOf(deps: Deps, room: string): Promise<string[] | undefined> {
  if (!isDirect(room)) return undefined;
  let known = cache.get(deps.conversations);
  if (!known) cache.set(deps.conversations, (known = new Map<string, string[]>()));
  const held = known.get(room);
  if (held) return held;
  const found = (await deps.conversations.participants(room)) ?? [];
  if (found.length > 0) {
    if (known.size >= CACHE_MAX) known.clear();
    known.set(room, found);
  }
  return found;
}

/** Who may enter a room: anyone a public one, only its participants a conversation. */
export async function refuseEntry(
  deps: Deps,
  user: string,
  room: string,
): Promise<AckFailure | undefined> {
  const participants = await participantsOf(deps, room);
  if (participants === undefined || participants.includes(user)) return undefined;
  return fail(ErrorCode.NOT_ALLOWED, 'only its participants may open this conversation');
}

/**
 * Where a room's news goes: the room itself, or, for a conversation, every connection of
 * every participant, so that a new message reaches tabs that have not opened it yet.
 */
export async function audienceOf(deps: Deps, room: string): Promise<string[]> {
  const participants = await participantsOf(deps, room);
  return participants === undefined ? [room] : [room, ...participants.map(userRoom)];
}

export const openDirect: EventHandler<'dm:open'> = {
  schema: directOpenSchema,
  async handle({ socket, deps }, { users }) {
    const self = socket.data.member;
    const others = [...new Set(users)].filter((id) => id !== self.id);
    if (others.length === 0) return fail(ErrorCode.BAD_REQUEST, 'name at least one other user');
    if (others.length > MAX_OTHERS) {
      return fail(ErrorCode.BAD_REQUEST, `a conversation has at most ${MAX_OTHERS} others`);
    }
    const accounts = await Promise.all(others.map((id) => deps.accounts.findById(id)));
    const found = accounts.filter((a): a is Account => a !== undefined);
    if (found.length !== others.length) return fail(ErrorCode.NOT_FOUND, 'no such user');
    const ids = [self.id, ...others];
    const room = directRoom(ids);
    if ((await deps.conversations.participants(room)) === undefined) {
      const allowed = await deps.userLimits.takeHourly('room', {
        userId: self.id,
        address: deps.caps.addressOf(socket),
      });
      if (!allowed) {
        return fail(
          ErrorCode.ROOM_LIMIT,
          'you have opened as many conversations as you may this hour',
        );
      }
      await deps.conversations.open(room, ids);
    }
    return { ok: true, room, participants: [self, ...found.map(memberOfAccount)] };
  },
};

export const markRead: EventHandler<'room:read'> = {
  schema: readSchema,
  async handle({ socket, deps }, { room, id }) {
    const refused = checkMember(socket.rooms, room);
    if (refused) return refused;
    const self = socket.data.member.id;
    const marker = await deps.conversations.markRead(self, room, id);
    // The user's other tabs and devices clear their counts too.
    socket.to(userRoom(self)).emit('room:read', { room, id: marker });
    return { ok: true, room, id: marker };
  },
};

export const roomsState: EventHandler<'rooms:state'> = {
  schema: roomsStateSchema,
  async handle({ socket, deps }) {
    const self = socket.data.member.id;
    const [marks, direct] = await Promise.all([
      deps.conversations.readMarks(self),
      deps.conversations.conversationsOf(self),
    ]);
    const rooms = [...new Set([...direct, ...marks.keys()])].slice(0, STATE_MAX);
    const names = new Map<string, Member>();
    const memberOf = async (id: string): Promise<Member> => {
      let member = names.get(id);
      if (!member) {
        const account = await deps.accounts.findById(id);
        member = account ? memberOfAccount(account) : { id, name: 'unknown user' };
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
          ...(participants ? { participants: await Promise.all(participants.map(memberOf)) } : {}),
        };
      }),
    );
    return { ok: true, rooms: states };
  },
};
