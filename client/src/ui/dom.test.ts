import { describe, expect, it } from 'vitest';
import { sameValues } from './dom.js';

describe('a row’s values', () => {
  it('are the same when equal in depth', () => {
    const message = { id: 'm1', text: 'hi', reactions: [{ emoji: '👍', count: 1 }] };
    expect(sameValues(message, structuredClone(message))).toBe(true);
    expect(sameValues([1, 'a', undefined], [1, 'a', undefined])).toBe(true);
    expect(sameValues(undefined, undefined)).toBe(true);
    expect(sameValues(Number.NaN, Number.NaN)).toBe(true);
  });

  it('differ in any field a row shows, however deep', () => {
    const row = { message: { id: 'm1', text: 'hi', reactions: [{ emoji: '👍', count: 1 }] } };
    const reacted = structuredClone(row);
    const [reaction] = reacted.message.reactions;
    if (reaction) reaction.count = 2;
    expect(sameValues(row, reacted)).toBe(false);
    expect(sameValues({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    expect(sameValues({ a: 1 }, { b: 1 })).toBe(false);
    expect(sameValues([1], { 0: 1 })).toBe(false);
    expect(sameValues(null, {})).toBe(false);
    expect(sameValues('1', 1)).toBe(false);
  });
});
