import { describe, expect, test } from 'vitest';
import type { UserLimits } from '../../src/limits/user-limits.js';

export type MakeUserLimits = (now: () => number) => UserLimits;

/** Options of every UserLimits the suite makes: small numbers that a test can exhaust. */
export const suiteOptions = (now: () => number) => ({
  ratePerSec: 2,
  burst: 3,
  penaltyMs: 10_000,
  now,
  hourly: { roomsPerUser: 2, roomsPerAddress: 3, guestsPerAddress: 2, signupsPerAddress: 1 },
});

/** The behaviour every UserLimits must have, on a clock the suite drives. */
export function userLimitsSuite(name: string, make: MakeUserLimits): void {
  describe(`user limits in ${name}`, () => {
    const clocked = () => {
      let t = 1_000_000;
      return { limits: make(() => t), advance: (ms: number) => (t += ms) };
    };

    test('a user has one allowance, however many connections ask: burst, then the rate', async () => {
      const { limits, advance } = clocked();
      const taken = [];
      for (let i = 0; i < 5; i++) taken.push(await limits.takeMessage('u1'));
      expect(taken).toEqual([true, true, true, false, false]);
      // Another user is apart.
      expect(await limits.takeMessage('u2')).toBe(true);
      // Two per second: half a second gives one more, not two.
      advance(500);
      expect(await limits.takeMessage('u1')).toBe(true);
      expect(await limits.takeMessage('u1')).toBe(false);
      // Idle long enough, the burst is whole again, and no more than that.
      advance(10_000);
      const again = [];
      for (let i = 0; i < 4; i++) again.push(await limits.takeMessage('u1'));
      expect(again).toEqual([true, true, true, false]);
    });

    test('hourly allowances: rooms per user and per address, guests per address', async () => {
      const { limits, advance } = clocked();
      const room = (userId: string, address: string) =>
        limits.takeHourly('room', { userId, address });
      expect([await room('u1', 'a1'), await room('u1', 'a1'), await room('u1', 'a1')]).toEqual([
        true,
        true,
        false,
      ]);
      // Another user from the same address has the address's last one.
      expect(await room('u2', 'a1')).toBe(true);
      expect(await room('u3', 'a1')).toBe(false);
      expect(await room('u3', 'a2')).toBe(true);
      const guest = (address: string) => limits.takeHourly('guest', { address });
      expect([await guest('a1'), await guest('a1'), await guest('a1')]).toEqual([
        true,
        true,
        false,
      ]);
      // Half an hour gives one more guest back (two an hour).
      advance(1_800_000);
      expect([await guest('a1'), await guest('a1')]).toEqual([true, false]);
      // Sign-ups have an allowance of their own, guests' spent or not.
      const signup = (address: string) => limits.takeHourly('signup', { address });
      expect([await signup('a1'), await signup('a1'), await signup('a2')]).toEqual([
        true,
        false,
        true,
      ]);
      advance(3_600_000);
      expect(await signup('a1')).toBe(true);
    });

    test('a flood penalty holds the user and the address, and ends on time', async () => {
      const { limits, advance } = clocked();
      expect(await limits.penaltyLeft('u1', '10.0.0.1')).toBe(0);
      await limits.penalise('u1', '10.0.0.1');
      expect(await limits.penaltyLeft('u1', '10.0.0.9')).toBe(10_000);
      expect(await limits.penaltyLeft('other', '10.0.0.1')).toBe(10_000);
      expect(await limits.penaltyLeft('other', '10.0.0.9')).toBe(0);
      advance(9_000);
      expect(await limits.penaltyLeft('u1', '10.0.0.1')).toBe(1_000);
      advance(1_000);
      expect(await limits.penaltyLeft('u1', '10.0.0.1')).toBe(0);
    });
  });
}
