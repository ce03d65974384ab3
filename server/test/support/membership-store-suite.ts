import { describe, expect, test } from 'vitest';
import type { MembershipStore } from '../../src/rooms/store.js';

const by = { id: 'owner', name: 'Olga' };

/** Texts a database may mangle: SQL, a NUL, lone surrogates, a long run of emoji. */
const AWKWARD = [
  "'; DROP TABLE user_rooms; --",
  'nul \u0000 inside',
  'lone high \ud83d end',
  'lone high \ud83e end',
  '\udc00 lone low first',
  '\uffff mark first',
  '😀'.repeat(2000),
];

/**
 * The behaviour every MembershipStore must have. Each implementation runs this suite with a
 * factory that returns a fresh, empty store (and cleans it up when the test finishes).
 */
export function membershipStoreSuite(name: string, create: () => Promise<MembershipStore>): void {
  describe(`membership store: ${name}`, () => {
    test('a user keeps the rooms they joined until they leave them, apart from others', async () => {
      const store = await create();
      expect(await store.roomsOf('a')).toEqual([]);
      expect(await store.add('a', 'dev')).toBe(true);
      expect(await store.add('a', 'dev')).toBe(false);
      expect(await store.add('a', 'art')).toBe(true);
      await store.add('b', 'secret');
      expect(await store.roomsOf('a')).toEqual(['art', 'dev']);
      expect(await store.roomsOf('b')).toEqual(['secret']);
      expect(await store.remove('a', 'dev')).toBe(true);
      expect(await store.remove('a', 'dev')).toBe(false);
      expect(await store.remove('a', 'secret')).toBe(false);
      expect(await store.roomsOf('a')).toEqual(['art']);
      expect(await store.roomsOf('b')).toEqual(['secret']);
    });

    test('invitations wait, oldest first, until dropped; a second one replaces the first', async () => {
      const store = await create();
      expect(await store.invitationsOf('a')).toEqual([]);
      await store.invite('a', { room: 'later', by, at: 20 });
      await store.invite('a', { room: 'first', by, at: 10 });
      await store.invite('b', { room: 'first', by, at: 5 });
      expect(await store.invitationsOf('a')).toEqual([
        { room: 'first', by, at: 10 },
        { room: 'later', by, at: 20 },
      ]);
      await store.invite('a', { room: 'first', by: { id: 'm', name: 'Mo' }, at: 30 });
      expect((await store.invitationsOf('a')).map((i) => [i.room, i.by.name])).toEqual([
        ['later', 'Olga'],
        ['first', 'Mo'],
      ]);
      expect(await store.dropInvitation('a', 'first')).toBe(true);
      expect(await store.dropInvitation('a', 'first')).toBe(false);
      expect(await store.invitationsOf('a')).toEqual([{ room: 'later', by, at: 20 }]);
      expect(await store.invitationsOf('b')).toEqual([{ room: 'first', by, at: 5 }]);
    });

    test('room names and invitations come back exactly as they were given, whatever they hold', async () => {
      const store = await create();
      const invitations = AWKWARD.map((text, i) => ({
        room: text,
        by: { id: 'owner', name: text, username: text },
        at: i,
      }));
      for (const invitation of invitations) {
        expect(await store.add('a', invitation.room)).toBe(true);
        await store.invite('a', invitation);
      }
      expect(await store.roomsOf('a')).toEqual([...AWKWARD].sort());
      expect(await store.invitationsOf('a')).toEqual(invitations);
      for (const room of AWKWARD) {
        expect(await store.remove('a', room)).toBe(true);
        expect(await store.dropInvitation('a', room)).toBe(true);
      }
      expect(await store.roomsOf('a')).toEqual([]);
      expect(await store.invitationsOf('a')).toEqual([]);
    });
  });
}
