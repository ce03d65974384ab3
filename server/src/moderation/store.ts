/**
 * What makes a room run by people: who owns and moderates it, whether it is private and who
 * is invited, its topic, who is banned or muted and until when, and the record of every
 * moderation action, and the reports members make of messages. Behind one async interface
 * with memory, SQLite and Redis implementations, like history and accounts.
 */
import type { Report } from '../../../common/contract.js';

export type RoomRole = 'owner' | 'moderator';

export interface RoomSettings {
  /** The user who created the room; undefined for rooms that existed before ownership. */
  owner?: string;
  private: boolean;
  topic?: string;
  /** Days a message is kept in the room before it is deleted; absent: as the server keeps them. */
  retentionDays?: number;
  /** When it was created, in ms since the epoch. */
  createdAt: number;
}

/** A change to a room's settings: what is absent stays; a null retention removes the room's own. */
export interface SettingsChange {
  topic?: string;
  private?: boolean;
  retentionDays?: number | null;
}

/** A ban or a mute: until when, in ms since the epoch, or null for until lifted. */
export interface Sanction {
  until: number | null;
  by: string;
  reason?: string;
}

export interface AuditEntry {
  /** When, in ms since the epoch. */
  at: number;
  /** The user who acted. */
  by: string;
  action:
    | 'create'
    | 'update'
    | 'role'
    | 'invite'
    | 'kick'
    | 'ban'
    | 'unban'
    | 'mute'
    | 'unmute'
    | 'delete-message'
    | 'resolve-report';
  /** The user acted on, if any. */
  target?: string;
  /** Anything else worth keeping: a role, minutes, a message id, a topic. */
  detail?: string;
}

export interface ModerationStore {
  /** Creates a room's settings with its owner; false when the room already has settings. */
  create(room: string, settings: RoomSettings): Promise<boolean>;
  settings(room: string): Promise<RoomSettings | undefined>;
  /**
   * Every room that has settings, in no particular order: the rooms people created, which
   * exist (and are listed) until forgotten, whether or not they hold a message.
   */
  rooms(): Promise<string[]>;
  /**
   * Changes the topic (an empty string removes it), privacy and retention; undefined if no
   * settings.
   */
  update(room: string, change: SettingsChange): Promise<RoomSettings | undefined>;
  /** Moderators of a room, in no particular order (owners are in the settings). */
  moderators(room: string): Promise<string[]>;
  /** Makes a user a moderator, or takes it back (`member`). */
  setRole(room: string, userId: string, role: 'moderator' | 'member'): Promise<void>;
  invite(room: string, userId: string): Promise<void>;
  isInvited(room: string, userId: string): Promise<boolean>;
  /** Bans a user from a room; `banOf` returns it while it is in force at the `now` it is given. */
  ban(room: string, userId: string, sanction: Sanction): Promise<void>;
  unban(room: string, userId: string): Promise<void>;
  banOf(room: string, userId: string, now: number): Promise<Sanction | undefined>;
  mute(room: string, userId: string, sanction: Sanction): Promise<void>;
  unmute(room: string, userId: string): Promise<void>;
  muteOf(room: string, userId: string, now: number): Promise<Sanction | undefined>;
  /** Appends to the room's audit list, which keeps its newest `AUDIT_MAX` entries. */
  record(room: string, entry: AuditEntry): Promise<void>;
  /** The newest entries first, at most `limit` (none for a limit of 0 or less). */
  audit(room: string, limit: number): Promise<AuditEntry[]>;
  /**
   * Files a report of a message. One per user and message: when `filing.by` already
   * reported `filing.messageId` (open or resolved, while the room holds it), that report
   * comes back with `created` false and nothing changes. A room holds its newest
   * `REPORTS_MAX` open reports; filing one more forgets the oldest open one.
   */
  report(room: string, filing: ReportFiling): Promise<{ report: Report; created: boolean }>;
  /**
   * Open reports, newest filed first; with `open` false the resolved ones, most recently
   * resolved first (the newest `REPORTS_MAX` of them are kept).
   */
  reports(room: string, open: boolean): Promise<Report[]>;
  /**
   * Marks an open report resolved by `by` at `at`. A resolved one comes back unchanged (of two
   * moderators resolving it at once, one is recorded); undefined when the room holds no such report.
   */
  resolve(room: string, reportId: string, by: string, at: number): Promise<Report | undefined>;
  /** Forgets everything about a room (an admin deleted it). */
  forget(room: string): Promise<void>;
}

/** Audit entries kept per room. */
export const AUDIT_MAX = 1000;

/** What a report is filed with; the store adds the room and, later, the resolution. */
export type ReportFiling = Omit<Report, 'room' | 'resolved'>;

/** Open reports kept per room, and resolved ones likewise. */
export const REPORTS_MAX = 500;

/** A sanction in force at `now`. */
export const inForce = (s: Sanction | undefined, now: number): Sanction | undefined =>
  s && (s.until === null || s.until > now) ? s : undefined;

// eslint-disable-next-line max-lines-per-function -- a factory of small closures (its methods), each well under the limit
export function createMemoryModeration(): ModerationStore {
  const settings = new Map<string, RoomSettings>();
  const moderators = new Map<string, Set<string>>();
  const invited = new Map<string, Set<string>>();
  const bans = new Map<string, Map<string, Sanction>>();
  const mutes = new Map<string, Map<string, Sanction>>();
  const audits = new Map<string, AuditEntry[]>();
  // Per room, oldest first: open reports in the order filed, resolved ones as resolved.
  const filed = new Map<string, { open: Report[]; resolved: Report[] }>();
  const reportsOf = (room: string) => {
    let lists = filed.get(room);
    if (!lists) filed.set(room, (lists = { open: [], resolved: [] }));
    return lists;
  };
  const keepNewest = (list: Report[]) => {
    if (list.length > REPORTS_MAX) list.splice(0, list.length - REPORTS_MAX);
  };
  const setOf = (map: Map<string, Set<string>>, room: string) => {
    let set = map.get(room);
    if (!set) map.set(room, (set = new Set<string>()));
    return set;
  };
  const mapOf = (map: Map<string, Map<string, Sanction>>, room: string) => {
    let inner = map.get(room);
    if (!inner) map.set(room, (inner = new Map<string, Sanction>()));
    return inner;
  };
  const ok = Promise.resolve();
  const copy = (s: Sanction | undefined) => s && { ...s };
  return {
    create(room, s) {
      if (settings.has(room)) return Promise.resolve(false);
      settings.set(room, { ...s });
      return Promise.resolve(true);
    },
    settings: (room) => {
      const s = settings.get(room);
      return Promise.resolve(s && { ...s });
    },
    rooms: () => Promise.resolve([...settings.keys()]),
    update(room, change) {
      const s = settings.get(room);
      if (!s) return Promise.resolve(undefined);
      if (change.private !== undefined) s.private = change.private;
      if (change.topic !== undefined) {
        if (change.topic === '') delete s.topic;
        else s.topic = change.topic;
      }
      if (change.retentionDays === null) delete s.retentionDays;
      else if (change.retentionDays !== undefined) s.retentionDays = change.retentionDays;
      return Promise.resolve({ ...s });
    },
    moderators: (room) => Promise.resolve([...(moderators.get(room) ?? [])]),
    setRole(room, userId, role) {
      if (role === 'moderator') setOf(moderators, room).add(userId);
      else moderators.get(room)?.delete(userId);
      return ok;
    },
    invite(room, userId) {
      setOf(invited, room).add(userId);
      return ok;
    },
    isInvited: (room, userId) => Promise.resolve(invited.get(room)?.has(userId) ?? false),
    ban(room, userId, sanction) {
      mapOf(bans, room).set(userId, { ...sanction });
      return ok;
    },
    unban(room, userId) {
      bans.get(room)?.delete(userId);
      return ok;
    },
    banOf: (room, userId, now) => Promise.resolve(copy(inForce(bans.get(room)?.get(userId), now))),
    mute(room, userId, sanction) {
      mapOf(mutes, room).set(userId, { ...sanction });
      return ok;
    },
    unmute(room, userId) {
      mutes.get(room)?.delete(userId);
      return ok;
    },
    muteOf: (room, userId, now) =>
      Promise.resolve(copy(inForce(mutes.get(room)?.get(userId), now))),
    record(room, entry) {
      let list = audits.get(room);
      if (!list) audits.set(room, (list = []));
      list.push({ ...entry });
      if (list.length > AUDIT_MAX) list.splice(0, list.length - AUDIT_MAX);
      return ok;
    },
    audit: (room, limit) =>
      Promise.resolve([...(audits.get(room) ?? [])].reverse().slice(0, Math.max(0, limit))),
    report(room, filing) {
      const { open, resolved } = reportsOf(room);
      const held = [...open, ...resolved].find(
        (r) => r.messageId === filing.messageId && r.by === filing.by,
      );
      if (held) return Promise.resolve({ report: structuredClone(held), created: false });
      const report: Report = { ...filing, room };
      open.push(report);
      keepNewest(open);
      return Promise.resolve({ report: structuredClone(report), created: true });
    },
    reports: (room, open) => {
      const lists = filed.get(room);
      const list = (open ? lists?.open : lists?.resolved) ?? [];
      return Promise.resolve(list.map((r) => structuredClone(r)).reverse());
    },
    resolve(room, reportId, by, at) {
      const lists = filed.get(room);
      const i = lists?.open.findIndex((r) => r.id === reportId) ?? -1;
      if (!lists || i < 0) {
        const done = lists?.resolved.find((r) => r.id === reportId);
        return Promise.resolve(done && structuredClone(done));
      }
      const [report] = lists.open.splice(i, 1);
      if (!report) return Promise.resolve(undefined);
      report.resolved = { by, at };
      lists.resolved.push(report);
      keepNewest(lists.resolved);
      return Promise.resolve(structuredClone(report));
    },
    forget(room) {
      filed.delete(room);
      for (const map of [settings, moderators, invited, bans, mutes, audits]) map.delete(room);
      return ok;
    },
  };
}
