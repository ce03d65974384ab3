import type { Report, ReportQuote } from '../../../common/contract.js';
import type { SqliteDatabase } from '../storage/sqlite.js';
import { decodeText, encodeText } from '../storage/text-codec.js';
import {
  AUDIT_MAX,
  inForce,
  REPORTS_MAX,
  type AuditEntry,
  type ModerationStore,
  type ReportFiling,
  type RoomSettings,
  type Sanction,
} from './store.js';

interface SettingsRow {
  owner: string | null;
  private: number;
  topic: string | null;
  retention_days: number | null;
  created_at: number;
}

const toSettings = (r: SettingsRow): RoomSettings => ({
  ...(r.owner === null ? {} : { owner: r.owner }),
  private: r.private === 1,
  ...(r.topic === null ? {} : { topic: decodeText(r.topic) }),
  ...(r.retention_days === null ? {} : { retentionDays: r.retention_days }),
  createdAt: r.created_at,
});

interface ReportRow {
  room: string;
  id: string;
  message_id: string;
  by_user: string;
  reason: string;
  at: number;
  resolved_by: string | null;
  resolved_at: number | null;
  quote: string | null;
}

const toReport = (r: ReportRow): Report => ({
  id: r.id,
  room: r.room,
  messageId: r.message_id,
  by: r.by_user,
  reason: decodeText(r.reason),
  at: r.at,
  ...(r.quote === null ? {} : { quote: JSON.parse(r.quote) as ReportQuote }),
  ...(r.resolved_by === null || r.resolved_at === null
    ? {}
    : { resolved: { by: r.resolved_by, at: r.resolved_at } }),
});

const REPORT_COLUMNS = 'room, id, message_id, by_user, reason, at, resolved_by, resolved_at, quote';

type Kind = 'ban' | 'mute';

/**
 * Room settings, roles, invitations, sanctions and audit in the node's SQLite file
 * (migration 5), and reports of messages (migration 6) with what they reported (migration 8).
 */
// eslint-disable-next-line max-lines-per-function -- a factory of small closures (its methods), each well under the limit
export function createSqliteModeration(db: SqliteDatabase): ModerationStore {
  const q = {
    create: db.prepare(
      `INSERT INTO room_settings (room, owner, private, topic, created_at, retention_days)
       VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (room) DO NOTHING`,
    ),
    settings: db.prepare<[string], SettingsRow>(
      'SELECT owner, private, topic, retention_days, created_at FROM room_settings WHERE room = ?',
    ),
    rooms: db.prepare<[], { room: string }>('SELECT room FROM room_settings'),
    // NULL leaves a column as it is; an empty topic removes it.
    // A retention of 0 removes the room's own.
    update: db.prepare<
      [{ room: string; private: number | null; topic: string | null; retention: number | null }],
      SettingsRow
    >(
      `UPDATE room_settings SET
         private = coalesce(@private, private),
         topic = CASE WHEN @topic IS NULL THEN topic ELSE nullif(@topic, '') END,
         retention_days = CASE WHEN @retention IS NULL THEN retention_days
           ELSE nullif(@retention, 0) END
       WHERE room = @room
       RETURNING owner, private, topic, retention_days, created_at`,
    ),
    moderators: db.prepare<[string], { user_id: string }>(
      'SELECT user_id FROM room_moderators WHERE room = ? ORDER BY rowid',
    ),
    addModerator: db.prepare('INSERT OR IGNORE INTO room_moderators (room, user_id) VALUES (?, ?)'),
    removeModerator: db.prepare('DELETE FROM room_moderators WHERE room = ? AND user_id = ?'),
    invite: db.prepare('INSERT OR IGNORE INTO room_invites (room, user_id) VALUES (?, ?)'),
    invited: db.prepare<[string, string], { n: number }>(
      'SELECT 1 AS n FROM room_invites WHERE room = ? AND user_id = ?',
    ),
    sanction: db.prepare<[string, Kind, string], { sanction: string }>(
      'SELECT sanction FROM room_sanctions WHERE room = ? AND kind = ? AND user_id = ?',
    ),
    setSanction: db.prepare(
      `INSERT INTO room_sanctions (room, kind, user_id, sanction) VALUES (?, ?, ?, ?)
       ON CONFLICT (room, kind, user_id) DO UPDATE SET sanction = excluded.sanction`,
    ),
    liftSanction: db.prepare(
      'DELETE FROM room_sanctions WHERE room = ? AND kind = ? AND user_id = ?',
    ),
    record: db.prepare('INSERT INTO room_audit (room, entry) VALUES (?, ?)'),
    // Ids only grow, so every entry at or below the AUDIT_MAX-th newest's is older than it.
    trimAudit: db.prepare(
      `DELETE FROM room_audit WHERE room = @room AND id <= (
         SELECT id FROM room_audit WHERE room = @room ORDER BY id DESC LIMIT 1 OFFSET @keep)`,
    ),
    audit: db.prepare<[string, number], { entry: string }>(
      'SELECT entry FROM room_audit WHERE room = ? ORDER BY id DESC LIMIT ?',
    ),
    reportOf: db.prepare<[string, string, string], ReportRow>(
      `SELECT ${REPORT_COLUMNS} FROM room_reports WHERE room = ? AND message_id = ? AND by_user = ?`,
    ),
    reportById: db.prepare<[string, string], ReportRow & { resolved_seq: number | null }>(
      `SELECT ${REPORT_COLUMNS}, resolved_seq FROM room_reports WHERE room = ? AND id = ?`,
    ),
    file: db.prepare(
      `INSERT INTO room_reports (room, id, message_id, by_user, reason, at, quote)
       VALUES (@room, @id, @messageId, @by, @reason, @at, @quote)`,
    ),
    // As for the audit: every open report at or below the REPORTS_MAX-th newest's seq is older.
    trimOpen: db.prepare(
      `DELETE FROM room_reports WHERE room = @room AND resolved_seq IS NULL AND seq <= (
         SELECT seq FROM room_reports WHERE room = @room AND resolved_seq IS NULL
         ORDER BY seq DESC LIMIT 1 OFFSET @keep)`,
    ),
    trimResolved: db.prepare(
      `DELETE FROM room_reports WHERE room = @room AND resolved_seq <= (
         SELECT resolved_seq FROM room_reports WHERE room = @room AND resolved_seq IS NOT NULL
         ORDER BY resolved_seq DESC LIMIT 1 OFFSET @keep)`,
    ),
    open: db.prepare<[string], ReportRow>(
      `SELECT ${REPORT_COLUMNS} FROM room_reports WHERE room = ? AND resolved_seq IS NULL
       ORDER BY seq DESC`,
    ),
    resolved: db.prepare<[string], ReportRow>(
      `SELECT ${REPORT_COLUMNS} FROM room_reports WHERE room = ? AND resolved_seq IS NOT NULL
       ORDER BY resolved_seq DESC`,
    ),
    resolve: db.prepare(
      `UPDATE room_reports SET resolved_by = @by, resolved_at = @at, resolved_seq = (
         SELECT coalesce(max(resolved_seq), 0) + 1 FROM room_reports WHERE room = @room)
       WHERE room = @room AND id = @id`,
    ),
    forget: [
      'room_settings',
      'room_moderators',
      'room_invites',
      'room_sanctions',
      'room_audit',
      'room_reports',
    ].map((table) => db.prepare(`DELETE FROM ${table} WHERE room = ?`)),
  };
  const file = db.transaction((room: string, filing: ReportFiling) => {
    const held = q.reportOf.get(room, filing.messageId, filing.by);
    if (held) return { report: toReport(held), created: false };
    const { quote, ...rest } = filing;
    q.file.run({
      room,
      ...rest,
      reason: encodeText(rest.reason),
      quote: quote ? JSON.stringify(quote) : null,
    });
    q.trimOpen.run({ room, keep: REPORTS_MAX });
    return { report: { ...filing, room }, created: true };
  });
  const resolve = db.transaction((room: string, id: string, by: string, at: number) => {
    const row = q.reportById.get(room, id);
    if (!row) return undefined;
    if (row.resolved_seq !== null) return toReport(row);
    q.resolve.run({ room, id, by, at });
    q.trimResolved.run({ room, keep: REPORTS_MAX });
    return toReport({ ...row, resolved_by: by, resolved_at: at });
  });
  const record = db.transaction((room: string, entry: AuditEntry) => {
    q.record.run(room, JSON.stringify(entry));
    q.trimAudit.run({ room, keep: AUDIT_MAX });
  });
  const forget = db.transaction((room: string) => {
    for (const statement of q.forget) statement.run(room);
  });
  // Synchronous work wrapped so that a throw becomes a rejection, as in the other stores.
  const run = <T>(work: () => T): Promise<T> => {
    try {
      return Promise.resolve(work());
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  };
  const setSanction = (kind: Kind, room: string, userId: string, sanction: Sanction) =>
    run(() => {
      q.setSanction.run(room, kind, userId, JSON.stringify(sanction));
    });
  const liftSanction = (kind: Kind, room: string, userId: string) =>
    run(() => {
      q.liftSanction.run(room, kind, userId);
    });
  const sanctionOf = (kind: Kind, room: string, userId: string, now: number) =>
    run(() => {
      const row = q.sanction.get(room, kind, userId);
      return inForce(row && (JSON.parse(row.sanction) as Sanction), now);
    });
  return {
    create: (room, s) =>
      run(
        () =>
          q.create.run(
            room,
            s.owner ?? null,
            s.private ? 1 : 0,
            s.topic === undefined ? null : encodeText(s.topic),
            s.createdAt,
            s.retentionDays ?? null,
          ).changes === 1,
      ),
    settings: (room) =>
      run(() => {
        const row = q.settings.get(room);
        return row && toSettings(row);
      }),
    rooms: () => run(() => q.rooms.all().map((r) => r.room)),
    update: (room, change) =>
      run(() => {
        const row = q.update.get({
          room,
          private: change.private === undefined ? null : change.private ? 1 : 0,
          topic: change.topic === undefined ? null : encodeText(change.topic),
          retention: change.retentionDays === undefined ? null : (change.retentionDays ?? 0),
        });
        return row && toSettings(row);
      }),
    moderators: (room) => run(() => q.moderators.all(room).map((r) => r.user_id)),
    setRole: (room, userId, role) =>
      run(() => {
        if (role === 'moderator') q.addModerator.run(room, userId);
        else q.removeModerator.run(room, userId);
      }),
    invite: (room, userId) =>
      run(() => {
        q.invite.run(room, userId);
      }),
    isInvited: (room, userId) => run(() => q.invited.get(room, userId) !== undefined),
    ban: (room, userId, sanction) => setSanction('ban', room, userId, sanction),
    unban: (room, userId) => liftSanction('ban', room, userId),
    banOf: (room, userId, now) => sanctionOf('ban', room, userId, now),
    mute: (room, userId, sanction) => setSanction('mute', room, userId, sanction),
    unmute: (room, userId) => liftSanction('mute', room, userId),
    muteOf: (room, userId, now) => sanctionOf('mute', room, userId, now),
    record: (room, entry) =>
      run(() => {
        record(room, entry);
      }),
    // SQLite reads a negative LIMIT as none: a limit of 0 or less asks for nothing.
    audit: (room, limit) =>
      run(() =>
        q.audit
          .all(room, Math.max(0, Math.floor(limit)))
          .map((r) => JSON.parse(r.entry) as AuditEntry),
      ),
    report: (room, filing) => run(() => file(room, filing)),
    reports: (room, open) => run(() => (open ? q.open : q.resolved).all(room).map(toReport)),
    resolve: (room, reportId, by, at) => run(() => resolve(room, reportId, by, at)),
    forget: (room) =>
      run(() => {
        forget(room);
      }),
  };
}
