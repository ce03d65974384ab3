import { describe, expect, test } from 'vitest';
import { checkDisplayName, checkUsername, nameKey } from '../src/accounts/names.js';
import { createPasswordHasher } from '../src/accounts/passwords.js';

describe('usernames', () => {
  test.each([
    ['alice', 'alice'],
    ['  Alice_01 ', 'alice_01'],
    ['a-b', 'a-b'],
  ])('%j is accepted as %j', (raw, expected) => {
    expect(checkUsername(raw)).toBe(expected);
  });

  test.each(['ab', 'a'.repeat(33), 'al ice', 'alïce', 'alice!', '', 42])('%j is refused', (raw) => {
    expect(checkUsername(raw)).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
  });
});

describe('display names', () => {
  test.each([
    ['Alice', 'Alice'],
    ['  Zoë  ', 'Zoë'],
    // NFKC: fullwidth letters become ordinary ones.
    ['Ａｌｉｃｅ', 'Alice'],
    ['李小龍', '李小龍'],
    // The joiner inside an emoji sequence is part of a visible picture.
    ['Zoë 👩\u200d💻', 'Zoë 👩\u200d💻'],
    ['🏳\ufe0f\u200d🌈', '🏳\ufe0f\u200d🌈'],
  ])('%j is accepted as %j', (raw, expected) => {
    expect(checkDisplayName(raw)).toBe(expected);
  });

  test.each([
    ['', 'name is empty'],
    ['   ', 'name is empty'],
    ['\u200b', 'name contains invisible or control characters'],
    ['Al\u200bice', 'name contains invisible or control characters'],
    ['\u202eecila', 'name contains invisible or control characters'],
    ['a\u0007b', 'name contains invisible or control characters'],
    // A joiner anywhere else is invisible.
    ['Al\u200dice', 'name contains invisible or control characters'],
    ['👩\u200d', 'name contains invisible or control characters'],
    ['a\u200d💻', 'name contains invisible or control characters'],
    ['\u0301\u0301', 'name is empty'],
    ['x'.repeat(33), 'name is longer than 32 characters'],
  ])('%j is refused: %s', (raw, message) => {
    expect(checkDisplayName(raw)).toEqual({
      ok: false,
      error: { code: 'INVALID_NAME', message },
    });
  });
});

describe('name keys', () => {
  test.each([
    'Alice',
    'ALICE',
    'a l i c e',
    'Alicé',
    '\u0410lice',
    'Ａｌｉｃｅ',
    'al-ice',
    'a_lice',
  ])('%j compares equal to "alice"', (name) => {
    expect(nameKey(name)).toBe(nameKey('alice'));
  });

  test('different names keep different keys', () => {
    expect(nameKey('alice')).not.toBe(nameKey('alicia'));
    expect(nameKey('李小龍')).not.toBe(nameKey('李小'));
  });
});

describe('passwords', () => {
  const hasher = createPasswordHasher(10);

  test('a hash verifies its password and no other, and never holds the password', async () => {
    const hash = await hasher.hash('correct horse');
    expect(hash).toMatch(/^scrypt\$10\$8\$1\$[\w-]+\$[\w-]+$/);
    expect(hash).not.toContain('correct horse');
    expect(await hasher.verify('correct horse', hash)).toBe(true);
    expect(await hasher.verify('correct horsE', hash)).toBe(false);
    expect(await hasher.verify('correct horse', undefined)).toBe(false);
    expect(await hasher.verify('correct horse', 'garbage')).toBe(false);
  });

  test('two hashes of one password differ (salted), and a stored cost is honoured', async () => {
    const [a, b] = await Promise.all([hasher.hash('same'), hasher.hash('same')]);
    expect(a).not.toBe(b);
    const stronger = createPasswordHasher(11);
    expect(await stronger.verify('same', a)).toBe(true);
  });
});
