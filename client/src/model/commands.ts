import type {
  Ack,
  AckedEventName,
  RequestOf,
  ResultOf,
  RoomAuditResult,
} from '../../../common/contract.js';
import type { Room } from './room.js';

/**
 * The requests a user sends to run rooms and to report what goes wrong in them
 * (docs/protocol.md, section 9), reached as `chat.moderation` and `chat.reports`. Each
 * resolves with the server's sentence when refused, or undefined, and rejects with `NoAnswer`
 * when no ack came; none is retried: a kick or a ban that is repeated after a lost ack would
 * be announced twice.
 */

/** A request got no ack in time, or its connection dropped first: the page says so. */
export class NoAnswer extends Error {
  constructor(readonly event: string) {
    super(`no answer to ${event}`);
    this.name = 'NoAnswer';
  }
}

/** Sends one acked request on the chat's socket, with its ack timeout; rejects with `NoAnswer`. */
export type Request = <E extends AckedEventName>(
  event: E,
  payload: RequestOf<E>,
) => Promise<ResultOf<E>>;

type ModerationCommand =
  | 'room:kick'
  | 'room:ban'
  | 'room:unban'
  | 'room:mute'
  | 'room:unmute'
  | 'room:role'
  | 'room:update'
  | 'room:invite'
  | 'admin:suspend'
  | 'admin:delete-room';

/** The optional fields of a ban or a mute, left out when not given. */
const sanctionFields = (minutes: number | undefined, reason: string | undefined) => ({
  ...(minutes === undefined ? {} : { minutes }),
  ...(reason === undefined || reason.trim() === '' ? {} : { reason: reason.trim() }),
});

/** The moderation commands: the room's new settings come with its `moderation` event. */
export function createModeration(request: Request) {
  const moderate = async <E extends ModerationCommand>(
    event: E,
    payload: RequestOf<E>,
  ): Promise<string | undefined> => {
    // The `moderation` event precedes the ack; every answer here is a result union (the
    // cast only forgets which result).
    const ack = (await request(event, payload)) as Ack;
    return ack.ok ? undefined : ack.error.message;
  };
  return {
    /** Takes every connection of `userId` out of the room; they may come back. */
    kick: (room: string, userId: string) => moderate('room:kick', { room, userId }),
    /** Bans `userId` from the room for `minutes` (without: until lifted), telling them why. */
    ban: (room: string, userId: string, minutes?: number, reason?: string) =>
      moderate('room:ban', { room, userId, ...sanctionFields(minutes, reason) }),
    unban: (room: string, userId: string) => moderate('room:unban', { room, userId }),
    /** Stops `userId` writing in the room for `minutes` (without: until lifted). */
    mute: (room: string, userId: string, minutes?: number, reason?: string) =>
      moderate('room:mute', { room, userId, ...sanctionFields(minutes, reason) }),
    unmute: (room: string, userId: string) => moderate('room:unmute', { room, userId }),
    /** Makes `userId` a moderator of the room, or a member again (owners only). */
    setRole: (room: string, userId: string, role: 'moderator' | 'member') =>
      moderate('room:role', { room, userId, role }),
    /** Changes the room's topic (`''` removes it) or privacy. */
    updateRoom: (room: string, change: { topic?: string; private?: boolean }) =>
      moderate('room:update', { room, ...change }),
    /**
     * Keeps the room's messages `days` days before they are deleted, or (null) drops the
     * room's own retention, leaving the server's; owners and operators only.
     */
    setRetention: (room: string, days: number | null) =>
      moderate('room:update', { room, retentionDays: days }),
    /** Lets a user, named by id or by username, join the room while it is private. */
    invite: (room: string, who: { userId: string } | { username: string }) =>
      moderate('room:invite', { room, ...who }),
    /** The room's audit list (owners, moderators and operators), or the server's sentence. */
    readAudit: async (room: string): Promise<Omit<RoomAuditResult, 'ok'> | string> => {
      const ack = await request('room:audit', { room });
      return ack.ok ? { entries: ack.entries, people: ack.people } : ack.error.message;
    },
    /** Operators only: ends every session of `userId`'s account and refuses its sign-in. */
    suspendAccount: (userId: string) => moderate('admin:suspend', { userId, suspended: true }),
    /** Operators only: lifts the suspension of the account with this username. */
    liftSuspension: (username: string) =>
      moderate('admin:suspend', { username: username.trim(), suspended: false }),
    /** Operators only: deletes a room for everyone, its history and settings with it. */
    deleteRoom: (room: string) => moderate('admin:delete-room', { room }),
  };
}

export type Moderation = ReturnType<typeof createModeration>;

/** What the report commands read of the chat and tell it. */
export interface ReportsDeps {
  request: Request;
  rooms: ReadonlyMap<string, Room>;
  /** Whether the user runs `room` (moderator or above): only they see its reports. */
  isStaff: (room: string) => boolean;
  isConnected: () => boolean;
  changed: () => void;
}

/** The report commands, and the lists of reports they keep in each room's `reports`. */
export function createReports({ request, rooms, isStaff, isConnected, changed }: ReportsDeps) {
  /** Asks for a room's reports; the list is applied unless the room went meanwhile. */
  const fetchList = async (
    name: string,
    open: boolean,
    apply: (room: Room, reports: Extract<ResultOf<'reports:list'>, { ok: true }>) => void,
  ): Promise<string | undefined> => {
    const room = rooms.get(name);
    if (!room) return undefined;
    const ack = await request('reports:list', open ? { room: name } : { room: name, open: false });
    if (rooms.get(name) !== room) return undefined;
    if (!ack.ok) return ack.error.message;
    apply(room, ack);
    changed();
    return undefined;
  };
  return {
    /**
     * Reports a message of a room to the people who run it. A repeat is harmless (the server
     * acks the first report again).
     */
    reportMessage: async (room: string, id: string, reason: string) => {
      const ack = await request('message:report', { room, id, reason: reason.trim() });
      return ack.ok ? undefined : ack.error.message;
    },
    /** Marks an open report of the room resolved; it moves to the resolved list at once. */
    resolveReport: async (room: string, reportId: string): Promise<string | undefined> => {
      const ack = await request('report:resolve', { room, reportId });
      if (!ack.ok) return ack.error.message;
      // The server tells the other moderators, and this user's other tabs, but not this one.
      rooms.get(room)?.reports.resolve(ack.report);
      changed();
      return undefined;
    },
    /** Fetches the room's resolved reports (for those who run it). */
    loadResolvedReports: (name: string): Promise<string | undefined> =>
      isStaff(name)
        ? fetchList(name, false, (room, ack) => {
            room.reports.loadResolved(ack.reports);
          })
        : Promise.resolve(undefined),
    /**
     * Fetches the room's open reports when the user runs it, and forgets them when they no
     * longer do.
     */
    refreshReports: (name: string): Promise<string | undefined> => {
      const room = rooms.get(name);
      if (room && !isStaff(name)) {
        if (room.reports.loaded || room.reports.count > 0) {
          room.reports.clear();
          changed();
        }
        return Promise.resolve(undefined);
      }
      if (!room || !isConnected()) return Promise.resolve(undefined);
      return fetchList(name, true, (held, ack) => {
        held.reports.load(ack.reports);
      });
    },
  };
}

export type Reports = ReturnType<typeof createReports>;
