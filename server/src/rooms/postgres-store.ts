import type { Invitation } from '../../../common/contract.js';
import { pgCall, type Migration, type PostgresPool } from '../storage/postgres.js';
import { decodeText, encodeText } from '../storage/text-codec.js';
import { byAge, type MembershipStore } from './store.js';

/**
 * Users' rooms and pending invitations, keyed by user. An invitation is kept whole as the
 * JSON text of it (JSON's escapes keep a NUL or a lone surrogate in a name exactly, where
 * JSONB would refuse them); room names go through the text codec.
 */
export const roomsMigrations: readonly Migration[] = [
  {
    id: 'rooms-1',
    sql: `
      CREATE TABLE user_rooms (
        user_id TEXT NOT NULL,
        room TEXT NOT NULL,
        PRIMARY KEY (user_id, room)
      );
      CREATE TABLE user_invitations (
        user_id TEXT NOT NULL,
        room TEXT NOT NULL,
        invitation TEXT NOT NULL,
        PRIMARY KEY (user_id, room)
      );
    `,
  },
];

/** Users' rooms and pending invitations in PostgreSQL, shared by every node. */
export function createPostgresMemberships(pool: PostgresPool): MembershipStore {
  const query = <R extends object>(sql: string, values: unknown[]) =>
    pgCall(() => pool.query<R>(sql, values));
  const changed = async (sql: string, values: unknown[]) =>
    ((await query(sql, values)).rowCount ?? 0) > 0;
  return {
    add: (userId, room) =>
      changed('INSERT INTO user_rooms (user_id, room) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
        userId,
        encodeText(room),
      ]),
    remove: (userId, room) =>
      changed('DELETE FROM user_rooms WHERE user_id = $1 AND room = $2', [
        userId,
        encodeText(room),
      ]),
    // Sorted here, as JavaScript compares strings, so that every store lists them alike.
    roomsOf: async (userId) =>
      (
        await query<{ room: string }>('SELECT room FROM user_rooms WHERE user_id = $1', [userId])
      ).rows
        .map((r) => decodeText(r.room))
        .sort(),
    invite: async (userId, invitation) => {
      await query(
        `INSERT INTO user_invitations (user_id, room, invitation) VALUES ($1, $2, $3)
         ON CONFLICT (user_id, room) DO UPDATE SET invitation = excluded.invitation`,
        [userId, encodeText(invitation.room), JSON.stringify(invitation)],
      );
    },
    dropInvitation: (userId, room) =>
      changed('DELETE FROM user_invitations WHERE user_id = $1 AND room = $2', [
        userId,
        encodeText(room),
      ]),
    invitationsOf: async (userId) =>
      (
        await query<{ invitation: string }>(
          'SELECT invitation FROM user_invitations WHERE user_id = $1',
          [userId],
        )
      ).rows
        .map((r) => JSON.parse(r.invitation) as Invitation)
        .sort(byAge),
  };
}
