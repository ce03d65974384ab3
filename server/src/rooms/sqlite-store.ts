import type { Invitation } from '../../../common/contract.js';
import type { SqliteDatabase } from '../storage/sqlite.js';
import { decodeText, encodeText } from '../storage/text-codec.js';
import { byAge, type MembershipStore } from './store.js';

/** Users' rooms and pending invitations in the node's SQLite file (tables of migration 10). */
export function createSqliteMemberships(db: SqliteDatabase): MembershipStore {
  const q = {
    add: db.prepare('INSERT OR IGNORE INTO user_rooms (user_id, room) VALUES (?, ?)'),
    remove: db.prepare('DELETE FROM user_rooms WHERE user_id = ? AND room = ?'),
    rooms: db.prepare<[string], { room: string }>('SELECT room FROM user_rooms WHERE user_id = ?'),
    invite: db.prepare(
      `INSERT INTO user_invitations (user_id, room, invitation) VALUES (?, ?, ?)
       ON CONFLICT (user_id, room) DO UPDATE SET invitation = excluded.invitation`,
    ),
    drop: db.prepare('DELETE FROM user_invitations WHERE user_id = ? AND room = ?'),
    invitations: db.prepare<[string], { invitation: string }>(
      'SELECT invitation FROM user_invitations WHERE user_id = ?',
    ),
  };
  // Synchronous work wrapped so that a throw becomes a rejection, as in the other stores.
  const run = <T>(work: () => T): Promise<T> => {
    try {
      return Promise.resolve(work());
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  };
  // Room names go through the text codec, so that any name reads back exactly; the list is
  // sorted once decoded, as JavaScript compares strings, like every other store's.
  return {
    add: (userId, room) => run(() => q.add.run(userId, encodeText(room)).changes > 0),
    remove: (userId, room) => run(() => q.remove.run(userId, encodeText(room)).changes > 0),
    roomsOf: (userId) =>
      run(() =>
        q.rooms
          .all(userId)
          .map((r) => decodeText(r.room))
          .sort(),
      ),
    invite: (userId, invitation) =>
      run(() => {
        q.invite.run(userId, encodeText(invitation.room), JSON.stringify(invitation));
      }),
    dropInvitation: (userId, room) => run(() => q.drop.run(userId, encodeText(room)).changes > 0),
    invitationsOf: (userId) =>
      run(() =>
        q.invitations
          .all(userId)
          .map((r) => JSON.parse(r.invitation) as Invitation)
          .sort(byAge),
      ),
  };
}
