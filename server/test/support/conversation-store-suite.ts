import { describe, expect, test } from 'vitest';
import { directRoom, type ConversationStore } from '../../src/conversations/store.js';

/** Room names a database may mangle: SQL, a NUL, lone surrogates, a long run of emoji. */
const AWKWARD = [
  "'; DROP TABLE read_marks; --",
  'nul \u0000 inside',
  'lone high \ud83d end',
  'lone high \ud83e end',
  '\udc00 lone low first',
  '\uffff mark first',
  '😀'.repeat(2000),
];

/**
 * The behaviour every ConversationStore must have. Each implementation runs this suite with
 * a factory that returns a fresh, empty store (and cleans it up when the test finishes).
 */
export function conversationStoreSuite(
  name: string,
  create: () => Promise<ConversationStore>,
): void {
  describe(`conversation store: ${name}`, () => {
    test('a conversation keeps its participants; opening it again changes nothing', async () => {
      const store = await create();
      const room = directRoom(['a', 'b']);
      expect(await store.participants(room)).toBeUndefined();
      await store.open(room, ['a', 'b']);
      await store.open(room, ['a', 'b', 'intruder']);
      expect(await store.participants(room)).toEqual(['a', 'b']);
      const other = directRoom(['a', 'c']);
      await store.open(other, ['a', 'c']);
      expect((await store.conversationsOf('a')).sort()).toEqual([room, other].sort());
      expect(await store.conversationsOf('b')).toEqual([room]);
      expect(await store.conversationsOf('nobody')).toEqual([]);
    });

    test('room names come back exactly as they were given, whatever they hold', async () => {
      const store = await create();
      for (const [i, room] of AWKWARD.entries()) {
        await store.open(room, ['a', `b${i}`]);
        expect(await store.participants(room)).toEqual(['a', `b${i}`]);
        expect(await store.conversationsOf(`b${i}`)).toEqual([room]);
        expect(await store.markRead('a', room, `${i + 1}-0`)).toBe(`${i + 1}-0`);
      }
      expect((await store.conversationsOf('a')).sort()).toEqual([...AWKWARD].sort());
      expect(await store.readMarks('a')).toEqual(
        new Map(AWKWARD.map((room, i) => [room, `${i + 1}-0`])),
      );
    });

    test('a read marker only moves forward, per user and room', async () => {
      const store = await create();
      expect(await store.markRead('a', 'general', '100-5')).toBe('100-5');
      expect(await store.markRead('a', 'general', '100-4')).toBe('100-5');
      expect(await store.markRead('a', 'general', '99-9')).toBe('100-5');
      expect(await store.markRead('a', 'general', '101-0')).toBe('101-0');
      await store.markRead('a', 'dev', '5-0');
      await store.markRead('b', 'general', '1-0');
      expect(await store.readMarks('a')).toEqual(
        new Map([
          ['general', '101-0'],
          ['dev', '5-0'],
        ]),
      );
      expect(await store.readMarks('c')).toEqual(new Map());
    });
  });
}
