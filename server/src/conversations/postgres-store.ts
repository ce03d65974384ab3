import { parseId } from '../messages/store.js';
import { inTransaction, pgCall, type Migration, type PostgresPool } from '../storage/postgres.js';
import { decodeText, encodeText } from '../storage/text-codec.js';
import type { ConversationStore } from './store.js';

/**
 * A conversation is one row by room (its participants in the order first given), listed
 * under each participant by user. A read marker is keyed by user, with its position's two
 * numbers beside it so that the database itself can tell which of two positions is later;
 * they are NULL for a position that is not a message id (then the newer write wins, as in
 * `laterPosition`).
 */
export const conversationsMigrations: readonly Migration[] = [
  {
    id: 'conversations-1',
    sql: `
      CREATE TABLE conversations (
        room TEXT PRIMARY KEY,
        participants TEXT[] NOT NULL
      );
      CREATE TABLE user_conversations (
        user_id TEXT NOT NULL,
        room TEXT NOT NULL,
        PRIMARY KEY (user_id, room)
      );
      CREATE TABLE read_marks (
        user_id TEXT NOT NULL,
        room TEXT NOT NULL,
        position TEXT NOT NULL,
        pos_ms BIGINT,
        pos_seq BIGINT,
        PRIMARY KEY (user_id, room)
      );
    `,
  },
];

// One statement decides: the row's lock orders two nodes' writes, and each compares against
// the marker as the other left it, so the later position always stays.
const MARK = `
  INSERT INTO read_marks (user_id, room, position, pos_ms, pos_seq) VALUES ($1, $2, $3, $4, $5)
  ON CONFLICT (user_id, room) DO UPDATE
    SET position = excluded.position, pos_ms = excluded.pos_ms, pos_seq = excluded.pos_seq
    WHERE excluded.pos_ms IS NULL OR read_marks.pos_ms IS NULL
      OR (excluded.pos_ms, excluded.pos_seq) > (read_marks.pos_ms, read_marks.pos_seq)
  RETURNING position`;

/** Conversations and read markers in PostgreSQL, shared by every node. */
export function createPostgresConversations(pool: PostgresPool): ConversationStore {
  const query = <R extends object>(sql: string, values: unknown[]) =>
    pgCall(() => pool.query<R>(sql, values));
  return {
    open: (room, participants) =>
      inTransaction(pool, async (client) => {
        const key = encodeText(room);
        // Whoever inserts the room's row lists it; a second open, even at once on another
        // node, waits on that row and then changes nothing.
        const made = await client.query(
          'INSERT INTO conversations (room, participants) VALUES ($1, $2) ON CONFLICT DO NOTHING',
          [key, [...new Set(participants)]],
        );
        if (made.rowCount === 0) return;
        await client.query(
          `INSERT INTO user_conversations (user_id, room)
           SELECT DISTINCT unnest($1::text[]), $2 ON CONFLICT DO NOTHING`,
          [participants, key],
        );
      }),
    async participants(room) {
      const rows = (
        await query<{ participants: string[] }>(
          'SELECT participants FROM conversations WHERE room = $1',
          [encodeText(room)],
        )
      ).rows;
      return rows[0]?.participants;
    },
    async conversationsOf(userId) {
      const rows = (
        await query<{ room: string }>('SELECT room FROM user_conversations WHERE user_id = $1', [
          userId,
        ])
      ).rows;
      return rows.map((r) => decodeText(r.room));
    },
    async markRead(userId, room, position) {
      const key = parseId(position);
      const values = [userId, encodeText(room), position, key?.[0] ?? null, key?.[1] ?? null];
      const moved = (await query<{ position: string }>(MARK, values)).rows[0];
      if (moved) return moved.position;
      // Not moved: the marker is further already (perhaps further still by now).
      const held = await query<{ position: string }>(
        'SELECT position FROM read_marks WHERE user_id = $1 AND room = $2',
        [userId, values[1]],
      );
      return held.rows[0]?.position ?? position;
    },
    async readMarks(userId) {
      const rows = (
        await query<{ room: string; position: string }>(
          'SELECT room, position FROM read_marks WHERE user_id = $1',
          [userId],
        )
      ).rows;
      return new Map(rows.map((r) => [decodeText(r.room), r.position]));
    },
  };
}
