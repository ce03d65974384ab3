import { expect, test } from 'vitest';
import { decodeText, encodeText } from '../src/storage/text-codec.js';

const awkward = [
  "'; DROP TABLE messages; --",
  'nul \u0000 inside',
  'lone high \ud83d end',
  '\udc00 lone low first',
  '\uffff starts with the mark',
  '😀'.repeat(2000),
  '',
];

test('every text comes back exactly; ordinary texts are stored as they are', () => {
  for (const text of awkward) expect(decodeText(encodeText(text))).toBe(text);
  for (const text of ['hello', "'; DROP TABLE messages; --", '😀'.repeat(2000), 'é\n\t']) {
    expect(encodeText(text)).toBe(text);
  }
  for (const text of ['nul \u0000 inside', 'lone high \ud83d end']) {
    const stored = encodeText(text);
    expect(stored).not.toContain('\u0000');
    expect(/[\ud800-\udfff]/u.test(stored)).toBe(false);
  }
});
