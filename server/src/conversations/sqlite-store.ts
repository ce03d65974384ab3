import type { SqliteDatabase } from '../storage/sqlite.js';
import { decodeText, encodeText } from '../storage/text-codec.js';
import { laterPosition, type ConversationStore } from './store.js';

/** Conversations and read markers in the node's SQLite file (tables of migration 4). */
export function createSqliteConversations(db: SqliteDatabase): ConversationStore {
  const q = {
    add: db.prepare('INSERT OR IGNORE INTO conversations (room, user_id) VALUES (?, ?)'),
    exists: db.prepare<[string], { n: number }>(
      'SELECT 1 AS n FROM conversations WHERE room = ? LIMIT 1',
    ),
    members: db.prepare<[string], { user_id: string }>(
      'SELECT user_id FROM conversations WHERE room = ? ORDER BY rowid',
    ),
    ofUser: db.prepare<[string], { room: string }>(
      'SELECT room FROM conversations WHERE user_id = ?',
    ),
    mark: db.prepare<[string, string], { position: string }>(
      'SELECT position FROM read_marks WHERE user_id = ? AND room = ?',
    ),
    setMark: db.prepare(
      `INSERT INTO read_marks (user_id, room, position) VALUES (?, ?, ?)
       ON CONFLICT (user_id, room) DO UPDATE SET position = excluded.position`,
    ),
    marks: db.prepare<[string], { room: string; position: string }>(
      'SELECT room, position FROM read_marks WHERE user_id = ?',
    ),
  };
  // Room names go through the text codec, so that any name reads back exactly.
  const open = db.transaction((room: string, participants: readonly string[]) => {
    const key = encodeText(room);
    if (q.exists.get(key)) return;
    for (const id of participants) q.add.run(key, id);
  });
  const markRead = db.transaction((userId: string, room: string, position: string) => {
    const key = encodeText(room);
    const now = laterPosition(q.mark.get(userId, key)?.position, position);
    q.setMark.run(userId, key, now);
    return now;
  });
  // Synchronous work wrapped so that a throw becomes a rejection, as in the other stores.
  const run = <T>(work: () => T): Promise<T> => {
    try {
      return Promise.resolve(work());
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  };
  return {
    open: (room, participants) =>
      run(() => {
        open(room, participants);
      }),
    participants: (room) =>
      run(() => {
        const rows = q.members.all(encodeText(room));
        return rows.length > 0 ? rows.map((r) => r.user_id) : undefined;
      }),
    conversationsOf: (userId) => run(() => q.ofUser.all(userId).map((r) => decodeText(r.room))),
    markRead: (userId, room, position) => run(() => markRead(userId, room, position)),
    readMarks: (userId) =>
      run(() => new Map(q.marks.all(userId).map((r) => [decodeText(r.room), r.position]))),
  };
}
