import type { Report, ReportQuote } from '../../../common/contract.js';
import {
  inTransaction,
  pgCall,
  type Migration,
  type PostgresPool,
  type Queryable,
} from '../storage/postgres.js';
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

/**
 * Every table is keyed by room first, so that each could be distributed by room. Free texts
 * (topics, reasons, audit details) are written through the text codec; a report's quote is
 * kept as JSON in TEXT, whose escapes hold a NUL or a lone surrogate where JSONB cannot.
 * Audit entries are ordered by an identity column, reports by one as filed and by a sequence
 * as resolved: each grows across every node that shares the database.
 */
export const moderationMigrations: readonly Migration[] = [
  {
    id: 'moderation-1',
    sql: `
      CREATE TABLE room_settings (
        room TEXT PRIMARY KEY,
        owner TEXT,
        private BOOLEAN NOT NULL,
        topic TEXT,
        created_at BIGINT NOT NULL
      );
      CREATE TABLE room_moderators (
        room TEXT NOT NULL,
        user_id TEXT NOT NULL,
        PRIMARY KEY (room, user_id)
      );
      CREATE TABLE room_invites (
        room TEXT NOT NULL,
        user_id TEXT NOT NULL,
        PRIMARY KEY (room, user_id)
      );
      CREATE TABLE room_sanctions (
        room TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('ban', 'mute')),
        user_id TEXT NOT NULL,
        until BIGINT,
        by_user TEXT NOT NULL,
        reason TEXT,
        PRIMARY KEY (room, kind, user_id)
      );
      CREATE TABLE room_audit (
        room TEXT NOT NULL,
        id BIGINT GENERATED ALWAYS AS IDENTITY,
        at BIGINT NOT NULL,
        by_user TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT,
        detail TEXT,
        PRIMARY KEY (room, id)
      );
      CREATE TABLE room_reports (
        room TEXT NOT NULL,
        id TEXT NOT NULL,
        seq BIGINT GENERATED ALWAYS AS IDENTITY,
        message_id TEXT NOT NULL,
        by_user TEXT NOT NULL,
        reason TEXT NOT NULL,
        at BIGINT NOT NULL,
        quote TEXT,
        resolved_by TEXT,
        resolved_at BIGINT,
        resolved_seq BIGINT,
        PRIMARY KEY (room, id),
        UNIQUE (room, message_id, by_user)
      );
      CREATE INDEX room_reports_open ON room_reports (room, seq) WHERE resolved_seq IS NULL;
      CREATE INDEX room_reports_resolved ON room_reports (room, resolved_seq)
        WHERE resolved_seq IS NOT NULL;
      CREATE SEQUENCE room_reports_resolution;
    `,
  },
  {
    id: 'moderation-2',
    sql: 'ALTER TABLE room_settings ADD COLUMN retention_days INTEGER',
  },
];

// BIGINT columns come back from pg as strings (they may exceed a double); ours are ms times.
type Big = string | number;

interface SettingsRow {
  owner: string | null;
  private: boolean;
  topic: string | null;
  retention_days: number | null;
  created_at: Big;
}

const toSettings = (r: SettingsRow): RoomSettings => ({
  ...(r.owner === null ? {} : { owner: r.owner }),
  private: r.private,
  ...(r.topic === null ? {} : { topic: decodeText(r.topic) }),
  ...(r.retention_days === null ? {} : { retentionDays: r.retention_days }),
  createdAt: Number(r.created_at),
});

interface SanctionRow {
  until: Big | null;
  by_user: string;
  reason: string | null;
}

const toSanction = (r: SanctionRow): Sanction => ({
  until: r.until === null ? null : Number(r.until),
  by: r.by_user,
  ...(r.reason === null ? {} : { reason: decodeText(r.reason) }),
});

interface AuditRow {
  at: Big;
  by_user: string;
  action: AuditEntry['action'];
  target: string | null;
  detail: string | null;
}

const toEntry = (r: AuditRow): AuditEntry => ({
  at: Number(r.at),
  by: r.by_user,
  action: r.action,
  ...(r.target === null ? {} : { target: r.target }),
  ...(r.detail === null ? {} : { detail: decodeText(r.detail) }),
});

interface ReportRow {
  room: string;
  id: string;
  message_id: string;
  by_user: string;
  reason: string;
  at: Big;
  quote: string | null;
  resolved_by: string | null;
  resolved_at: Big | null;
}

const toReport = (r: ReportRow): Report => ({
  id: r.id,
  room: r.room,
  messageId: r.message_id,
  by: r.by_user,
  reason: decodeText(r.reason),
  at: Number(r.at),
  ...(r.quote === null ? {} : { quote: JSON.parse(r.quote) as ReportQuote }),
  ...(r.resolved_by === null || r.resolved_at === null
    ? {}
    : { resolved: { by: r.resolved_by, at: Number(r.resolved_at) } }),
});

const REPORT_COLUMNS = 'room, id, message_id, by_user, reason, at, quote, resolved_by, resolved_at';

const SQL = {
  create: `INSERT INTO room_settings (room, owner, private, topic, created_at, retention_days)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (room) DO NOTHING`,
  settings: `SELECT owner, private, topic, retention_days, created_at FROM room_settings
             WHERE room = $1`,
  // NULL leaves a column as it is; an empty topic and a retention of 0 remove them.
  update: `UPDATE room_settings SET
             private = coalesce($2, private),
             topic = CASE WHEN $3::text IS NULL THEN topic ELSE nullif($3, '') END,
             retention_days = CASE WHEN $4::integer IS NULL THEN retention_days
               ELSE nullif($4, 0) END
           WHERE room = $1
           RETURNING owner, private, topic, retention_days, created_at`,
  sanction: `SELECT until, by_user, reason FROM room_sanctions
             WHERE room = $1 AND kind = $2 AND user_id = $3`,
  // Setting or lifting one also sweeps the room's sanctions of that kind that ended more than
  // $4 ms ago by the database's clock, as Redis lets them expire: whether one is in force is
  // still decided on the caller's clock, and the grace keeps a node whose clock is a little
  // behind from losing one early.
  setSanction: `WITH swept AS (
                  DELETE FROM room_sanctions WHERE room = $1 AND kind = $2 AND user_id <> $3
                  AND until + $4 <= (extract(epoch FROM now()) * 1000)::bigint)
                INSERT INTO room_sanctions (room, kind, user_id, until, by_user, reason)
                VALUES ($1, $2, $3, $5, $6, $7)
                ON CONFLICT (room, kind, user_id) DO UPDATE
                SET until = excluded.until, by_user = excluded.by_user, reason = excluded.reason`,
  liftSanction: `DELETE FROM room_sanctions WHERE room = $1 AND kind = $2 AND (user_id = $3
                   OR until + $4 <= (extract(epoch FROM now()) * 1000)::bigint)`,
  record: `INSERT INTO room_audit (room, at, by_user, action, target, detail)
           VALUES ($1, $2, $3, $4, $5, $6)`,
  // Ids only grow, so every entry at or below the $2-th newest's (from 0) is older than it.
  trimAudit: `DELETE FROM room_audit WHERE room = $1 AND id <= (
                SELECT id FROM room_audit WHERE room = $1 ORDER BY id DESC OFFSET $2 LIMIT 1)`,
  audit: `SELECT at, by_user, action, target, detail FROM room_audit WHERE room = $1
          ORDER BY id DESC LIMIT $2`,
  // Of two nodes filing the same user's report of a message, the second waits for the first
  // and inserts nothing.
  file: `INSERT INTO room_reports (room, id, message_id, by_user, reason, at, quote)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (room, message_id, by_user) DO NOTHING`,
  reportOf: `SELECT ${REPORT_COLUMNS} FROM room_reports
             WHERE room = $1 AND message_id = $2 AND by_user = $3`,
  reportById: `SELECT ${REPORT_COLUMNS} FROM room_reports WHERE room = $1 AND id = $2`,
  trimOpen: `DELETE FROM room_reports WHERE room = $1 AND resolved_seq IS NULL AND seq <= (
               SELECT seq FROM room_reports WHERE room = $1 AND resolved_seq IS NULL
               ORDER BY seq DESC OFFSET $2 LIMIT 1)`,
  trimResolved: `DELETE FROM room_reports WHERE room = $1 AND resolved_seq <= (
                   SELECT resolved_seq FROM room_reports
                   WHERE room = $1 AND resolved_seq IS NOT NULL
                   ORDER BY resolved_seq DESC OFFSET $2 LIMIT 1)`,
  open: `SELECT ${REPORT_COLUMNS} FROM room_reports WHERE room = $1 AND resolved_seq IS NULL
         ORDER BY seq DESC`,
  resolved: `SELECT ${REPORT_COLUMNS} FROM room_reports
             WHERE room = $1 AND resolved_seq IS NOT NULL ORDER BY resolved_seq DESC`,
  // Only an open report changes: of two moderators at once, the second waits on the row,
  // finds it resolved and updates nothing.
  resolve: `UPDATE room_reports
            SET resolved_by = $3, resolved_at = $4, resolved_seq = nextval('room_reports_resolution')
            WHERE room = $1 AND id = $2 AND resolved_seq IS NULL
            RETURNING ${REPORT_COLUMNS}`,
  forget: [
    'room_settings',
    'room_moderators',
    'room_invites',
    'room_sanctions',
    'room_audit',
    'room_reports',
  ].map((table) => `DELETE FROM ${table} WHERE room = $1`),
};

type Kind = 'ban' | 'mute';

/** How long after its end a sanction may still be held, in ms (as in Redis). */
const SANCTION_GRACE_MS = 60_000;

/** Files a report unless its user reported its message already, in one transaction. */
async function fileReport(
  client: Queryable,
  room: string,
  filing: ReportFiling,
): Promise<{ report: Report; created: boolean }> {
  const filed = await client.query(SQL.file, [
    room,
    filing.id,
    filing.messageId,
    filing.by,
    encodeText(filing.reason),
    filing.at,
    filing.quote ? JSON.stringify(filing.quote) : null,
  ]);
  if (filed.rowCount === 1) {
    await client.query(SQL.trimOpen, [room, REPORTS_MAX]);
    return { report: { ...filing, room }, created: true };
  }
  const held = await client.query<ReportRow>(SQL.reportOf, [room, filing.messageId, filing.by]);
  const row = held.rows[0];
  // The report in the way was forgotten between the two statements: file it after all.
  if (!row) return fileReport(client, room, filing);
  return { report: toReport(row), created: false };
}

async function resolveReport(
  client: Queryable,
  room: string,
  reportId: string,
  by: string,
  at: number,
): Promise<Report | undefined> {
  const changed = await client.query<ReportRow>(SQL.resolve, [room, reportId, by, at]);
  const row = changed.rows[0];
  if (row) {
    await client.query(SQL.trimResolved, [room, REPORTS_MAX]);
    return toReport(row);
  }
  const held = await client.query<ReportRow>(SQL.reportById, [room, reportId]);
  return held.rows[0] && toReport(held.rows[0]);
}

/**
 * Moderation in PostgreSQL, shared by every node of a deployment. Each change that must not
 * race (a room's first owner, one report per user and message, a report resolved once) is one
 * statement that decides under the row's lock, or a transaction of such statements.
 */
// eslint-disable-next-line max-lines-per-function -- a factory of small closures (its methods), each well under the limit
export function createPostgresModeration(pool: PostgresPool): ModerationStore {
  const query = <R extends object>(sql: string, values: unknown[]) =>
    pgCall(() => pool.query<R>(sql, values));
  const setSanction = async (kind: Kind, room: string, userId: string, s: Sanction) => {
    const reason = s.reason === undefined ? null : encodeText(s.reason);
    await query(SQL.setSanction, [room, kind, userId, SANCTION_GRACE_MS, s.until, s.by, reason]);
  };
  const liftSanction = async (kind: Kind, room: string, userId: string) => {
    await query(SQL.liftSanction, [room, kind, userId, SANCTION_GRACE_MS]);
  };
  const sanctionOf = async (kind: Kind, room: string, userId: string, now: number) => {
    const row = (await query<SanctionRow>(SQL.sanction, [room, kind, userId])).rows[0];
    return inForce(row && toSanction(row), now);
  };
  return {
    create: async (room, s) => {
      const topic = s.topic === undefined ? null : encodeText(s.topic);
      const values = [
        room,
        s.owner ?? null,
        s.private,
        topic,
        s.createdAt,
        s.retentionDays ?? null,
      ];
      return (await query(SQL.create, values)).rowCount === 1;
    },
    settings: async (room) => {
      const row = (await query<SettingsRow>(SQL.settings, [room])).rows[0];
      return row && toSettings(row);
    },
    rooms: async () =>
      (await query<{ room: string }>('SELECT room FROM room_settings', [])).rows.map((r) => r.room),
    update: async (room, change) => {
      const topic = change.topic === undefined ? null : encodeText(change.topic);
      const retention = change.retentionDays === undefined ? null : (change.retentionDays ?? 0);
      const values = [room, change.private ?? null, topic, retention];
      const row = (await query<SettingsRow>(SQL.update, values)).rows[0];
      return row && toSettings(row);
    },
    moderators: async (room) =>
      (
        await query<{ user_id: string }>(
          'SELECT user_id FROM room_moderators WHERE room = $1 ORDER BY user_id',
          [room],
        )
      ).rows.map((r) => r.user_id),
    setRole: async (room, userId, role) => {
      await query(
        role === 'moderator'
          ? 'INSERT INTO room_moderators (room, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING'
          : 'DELETE FROM room_moderators WHERE room = $1 AND user_id = $2',
        [room, userId],
      );
    },
    invite: async (room, userId) => {
      await query(
        'INSERT INTO room_invites (room, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING',
        [room, userId],
      );
    },
    isInvited: async (room, userId) =>
      (await query('SELECT 1 FROM room_invites WHERE room = $1 AND user_id = $2', [room, userId]))
        .rowCount === 1,
    ban: (room, userId, sanction) => setSanction('ban', room, userId, sanction),
    unban: (room, userId) => liftSanction('ban', room, userId),
    banOf: (room, userId, now) => sanctionOf('ban', room, userId, now),
    mute: (room, userId, sanction) => setSanction('mute', room, userId, sanction),
    unmute: (room, userId) => liftSanction('mute', room, userId),
    muteOf: (room, userId, now) => sanctionOf('mute', room, userId, now),
    record: (room, e) =>
      inTransaction(pool, async (client) => {
        const detail = e.detail === undefined ? null : encodeText(e.detail);
        await client.query(SQL.record, [room, e.at, e.by, e.action, e.target ?? null, detail]);
        await client.query(SQL.trimAudit, [room, AUDIT_MAX]);
      }),
    audit: async (room, limit) =>
      (await query<AuditRow>(SQL.audit, [room, Math.max(0, Math.floor(limit))])).rows.map(toEntry),
    report: (room, filing) => inTransaction(pool, (client) => fileReport(client, room, filing)),
    reports: async (room, open) =>
      (await query<ReportRow>(open ? SQL.open : SQL.resolved, [room])).rows.map(toReport),
    resolve: (room, reportId, by, at) =>
      inTransaction(pool, (client) => resolveReport(client, room, reportId, by, at)),
    forget: (room) =>
      inTransaction(pool, async (client) => {
        for (const sql of SQL.forget) await client.query(sql, [room]);
      }),
  };
}
