import { expect, it } from 'vitest';
import { Limits } from '../../../common/contract.js';
import { roomNameOf } from './create-room.js';

it('a room typed as the page shows it, with its #, is that room', () => {
  expect(roomNameOf('#random')).toBe('random');
  expect(roomNameOf('  # Random Stuff ')).toBe('random-stuff');
  expect(roomNameOf('Random Stuff')).toBe('random-stuff');
  // Only a leading # goes: one inside a name is still refused by the rule for names.
  expect(Limits.roomPattern.test(roomNameOf('a#b'))).toBe(false);
  expect(Limits.roomPattern.test(roomNameOf('#'))).toBe(false);
});
