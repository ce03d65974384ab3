import { DEFAULT_ROOM, ErrorCode, type AckFailure } from '../../../common/contract.js';
import { fail } from '../errors.js';
import { isDirect } from '../conversations/store.js';
import { isChatRoom } from './membership.js';
import type { ChatIO } from '../io.js';
import type { Actor } from '../accounts/actor.js';
import type { Config } from '../config.js';
import type { ConnectionCaps } from '../limits/connection-caps.js';
import type { UserLimits } from '../limits/user-limits.js';
import type { Logger } from '../logger.js';
import type { HistoryStore } from '../messages/store.js';
import type { ModerationStore } from '../moderation/store.js';

/**
 * What opening a room costs, checked before a connection joins one. A room that holds no
 * messages and has nobody in it is new: opening it takes one of the user's and the address's
 * hourly allowance (unless the user owns it already), and a place among the `MAX_ROOMS`
 * whose history the server keeps. When
 * those are all taken, the room idle longest that nobody is in is forgotten to make room;
 * when every room has someone in it, the new one is refused. So what one person, one address
 * and everyone together can make the store hold stays bounded.
 */
export interface RoomCapacity {
  admit(actor: Actor, room: string): Promise<AckFailure | undefined>;
}

/**
 * What admitting a room reads: its own list rather than a `Pick` of `ChatDeps`, which names
 * `RoomCapacity` and would tie the two files in a circle.
 */
export interface CapacityDeps {
  io: ChatIO;
  history: HistoryStore;
  moderation: ModerationStore;
  userLimits: UserLimits;
  caps: ConnectionCaps;
  config: Config;
  logger: Logger;
  now: () => number;
}

/** A room admitted here counts as held until it has messages, or for this long, in ms. */
const PENDING_MS = 60_000;

export function createRoomCapacity(deps: CapacityDeps): RoomCapacity {
  // Admissions on this node run one at a time and count the rooms they admitted that hold
  // no message yet, so that concurrent joins cannot each take the last place. (Several nodes
  // may each admit one at once: the bound is then MAX_ROOMS plus one per node.)
  let queue: Promise<unknown> = Promise.resolve();
  const pending = new Map<string, number>();

  const makeRoom = async (room: string): Promise<AckFailure | undefined> => {
    const activity = await deps.history.roomActivity();
    const t = deps.now();
    for (const [name, at] of pending) {
      if (activity.has(name) || t - at > PENDING_MS) pending.delete(name);
    }
    const held = activity.size + pending.size;
    if (held < deps.config.maxRooms) {
      pending.set(room, t);
      return undefined;
    }
    const occupied = new Set<string>([DEFAULT_ROOM, ...pending.keys()]);
    for (const s of await deps.io.fetchSockets()) {
      for (const r of s.rooms) if (isChatRoom(r)) occupied.add(r);
    }
    // A conversation's history is its participants' alone, and is never forgotten for space:
    // opening conversations has an hourly allowance of its own (dm:open).
    const idle = [...activity]
      .filter(([name]) => !occupied.has(name) && !isDirect(name))
      .sort(([, a], [, b]) => a - b);
    const excess = held - deps.config.maxRooms + 1;
    if (idle.length < excess) {
      return fail(
        ErrorCode.ROOM_LIMIT,
        'the server holds as many rooms as it may; join an existing one',
      );
    }
    for (const [name] of idle.slice(0, excess)) {
      await deps.history.deleteRoom(name);
      deps.logger.info({ room: name }, 'forgot an idle room to make space for a new one');
    }
    pending.set(room, t);
    return undefined;
  };

  return {
    async admit(actor, room) {
      if (room === DEFAULT_ROOM || isDirect(room) || (await deps.history.hasRoom(room))) {
        return undefined;
      }
      if ((await deps.io.in(room).fetchSockets()).length > 0) return undefined;
      const userId = actor.member.id;
      // Its owner paid for the room when they made it (`room:create`, or the join that opened
      // it): entering it again is not opening a new room of theirs, though it still needs a
      // place among MAX_ROOMS.
      const owned = (await deps.moderation.settings(room))?.owner === userId;
      const allowed =
        owned ||
        (await deps.userLimits.takeHourly('room', {
          userId,
          address: actor.address,
        }));
      if (!allowed) {
        return fail(
          ErrorCode.ROOM_LIMIT,
          'you have opened as many new rooms as you may this hour; join an existing one',
        );
      }
      const result = queue.then(() => makeRoom(room));
      queue = result.catch(() => undefined);
      return result;
    },
  };
}
