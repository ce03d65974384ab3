import { expect, test } from 'vitest';
import type { Message } from '../../common/contract.js';
import { Timeline } from './timeline.js';

const msg = (id: string, text = id): Message => ({
  id,
  room: 'general',
  author: { name: 'a' },
  text,
  ts: 0,
});

test('appends each message once and remembers the last id for since', () => {
  const t = new Timeline();
  expect(t.append(msg('1-0'), false)).toBe(true);
  expect(t.append(msg('2-0'), true)).toBe(true);
  expect(t.append(msg('1-0'), false)).toBe(false);
  expect(t.items.map((i) => i.key)).toEqual(['1-0', '2-0']);
  expect(t.newestId).toBe('1-0');
  expect(t.messageCount).toBe(2);
});

test('prepends older pages before everything, skipping what it holds', () => {
  const t = new Timeline();
  t.append(msg('5-0'), false);
  t.notice('bob joined');
  t.prepend([msg('3-0'), msg('4-0'), msg('5-0')], () => false);
  expect(t.items.map((i) => (i.kind === 'message' ? i.message.id : 'notice'))).toEqual([
    '3-0',
    '4-0',
    '5-0',
    'notice',
  ]);
  expect(t.oldestId()).toBe('3-0');
  expect(t.newestId).toBe('5-0');
});
