import { expect, it } from 'vitest';
import { firstMode } from './sign-in.js';

it('opens on an account for a browser that signed in with one, as a guest otherwise', () => {
  expect(firstMode(true, undefined)).toBe('guest');
  expect(firstMode(true, 'guest')).toBe('guest');
  expect(firstMode(true, 'account')).toBe('login');
  // Where guests may not chat, there is only the account.
  expect(firstMode(false, undefined)).toBe('login');
  expect(firstMode(false, 'guest')).toBe('login');
});
