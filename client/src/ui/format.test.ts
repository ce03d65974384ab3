import { describe, expect, it } from 'vitest';
import { continues, dayKey, dayLabel, GROUP_WITHIN_MS } from './format.js';

/** A local time, so that the tests hold in every time zone. */
const at = (y: number, month: number, d: number, h = 12, m = 0) =>
  new Date(y, month - 1, d, h, m).getTime();

describe('day separators', () => {
  const now = at(2026, 3, 10, 9);

  it('keys a time by its local calendar day', () => {
    expect(dayKey(at(2026, 3, 10, 0, 0))).toBe('2026-03-10');
    expect(dayKey(at(2026, 3, 10, 23, 59))).toBe('2026-03-10');
    expect(dayKey(at(2026, 3, 11, 0, 0))).toBe('2026-03-11');
  });

  it('says Today, Yesterday, or the date with the year when it is not this one', () => {
    expect(dayLabel(at(2026, 3, 10, 0, 1), now)).toBe('Today');
    expect(dayLabel(at(2026, 3, 9, 23, 59), now)).toBe('Yesterday');
    expect(dayLabel(at(2026, 3, 1), now)).toContain('1');
    expect(dayLabel(at(2026, 3, 1), now)).not.toContain('2026');
    expect(dayLabel(at(2025, 12, 31), now)).toContain('2025');
    // Yesterday across a month's end.
    expect(dayLabel(at(2026, 2, 28, 22), at(2026, 3, 1, 8))).toBe('Yesterday');
  });
});

describe('grouping', () => {
  const first = { authorId: 'u1', ts: at(2026, 3, 10, 12) };

  it('continues a group of one author within five minutes', () => {
    expect(continues(first, { authorId: 'u1', ts: first.ts + 1000 })).toBe(true);
    expect(continues(first, { authorId: 'u1', ts: first.ts + GROUP_WITHIN_MS - 1 })).toBe(true);
  });

  it('starts a new group after five minutes, for another author, or with nothing before', () => {
    expect(continues(first, { authorId: 'u1', ts: first.ts + GROUP_WITHIN_MS })).toBe(false);
    expect(continues(first, { authorId: 'u2', ts: first.ts + 1000 })).toBe(false);
    expect(continues(undefined, first)).toBe(false);
  });

  it('starts a new group on a new day, however close', () => {
    const late = { authorId: 'u1', ts: at(2026, 3, 10, 23, 59) };
    expect(continues(late, { authorId: 'u1', ts: at(2026, 3, 11, 0, 1) })).toBe(false);
  });
});
