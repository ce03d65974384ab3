import { describe, expect, it } from 'vitest';
import {
  continues,
  dayKey,
  dayLabel,
  GROUP_WITHIN_MS,
  sanctionText,
  timeFormat,
  untilText,
} from './format.js';

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

describe('until when, in local time', () => {
  const now = at(2026, 12, 7, 0, 20) + 14_088;

  it('says the time of day and the minutes left for later today', () => {
    const until = at(2026, 12, 7, 0, 29) + 14_088;
    expect(untilText(until, now)).toBe(`until ${timeFormat.format(until)}, in 9 minutes`);
    expect(timeFormat.format(until)).toMatch(/\d\d:\d\d/);
  });

  it('counts a part of a minute as a minute, never "in 0"', () => {
    expect(untilText(now + 1_000, now)).toMatch(/, in 1 minute$/);
    expect(untilText(now + 61_000, now)).toMatch(/, in 2 minutes$/);
  });

  it('says hours past two hours, with the date on a later day', () => {
    const later = at(2026, 12, 7, 5, 20) + 14_088;
    expect(untilText(later, now)).toBe(`until ${timeFormat.format(later)}, in 5 hours`);
    const days = at(2026, 12, 10, 9, 0);
    const text = untilText(days, now);
    expect(text).toBe(`until ${dayLabel(days, now)}, ${timeFormat.format(days)}, in 3 days`);
    expect(text).not.toContain('Today');
  });

  it('words a sanction, and one without an end', () => {
    const until = now + 9 * 60_000;
    expect(sanctionText('You are muted here', until, now)).toBe(
      `You are muted here until ${timeFormat.format(until)}, in 9 minutes.`,
    );
    expect(sanctionText('You are muted here', undefined, now)).toBe(
      'You are muted here until a moderator lifts it.',
    );
  });

  it('never shows an ISO timestamp', () => {
    expect(untilText(at(2027, 1, 2, 3, 4), now)).not.toMatch(/\d{4}-\d\d-\d\dT/);
  });
});
