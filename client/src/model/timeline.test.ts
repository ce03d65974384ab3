import { expect, test } from 'vitest';
import type { Message } from '../../../common/contract.js';
import { Timeline } from './timeline.js';

const msg = (id: string, text = id): Message => ({
  id,
  room: 'general',
  author: { id: 'u1', name: 'a' },
  text,
  ts: 0,
});

test('appends each message once and remembers the last id for since', () => {
  const t = new Timeline();
  expect(t.append(msg('1-0'), false)).toBe('new');
  expect(t.append(msg('2-0'), true)).toBe('new');
  expect(t.append(msg('1-0'), false)).toBe('held');
  expect(t.items.map((i) => i.key)).toEqual(['1-0', '2-0']);
  // The newest by id, whatever arrived last.
  expect(t.newestId).toBe('2-0');
  expect(t.messageCount).toBe(2);
});

test('a message that fills a hole goes in its place, after the notices before its successors', () => {
  const t = new Timeline();
  t.append(msg('1-0'), false);
  t.notice({ type: 'joined', name: 'bob' });
  t.append(msg('3-0'), false);
  t.append(msg('3-1'), false);
  expect(t.append(msg('2-5'), false)).toBe('new');
  expect(t.items.map((i) => (i.kind === 'message' ? i.message.id : 'notice'))).toEqual([
    '1-0',
    'notice',
    '2-5',
    '3-0',
    '3-1',
  ]);
  expect(t.newestId).toBe('3-1');
});

test('prepends older pages before everything, skipping what it holds', () => {
  const t = new Timeline();
  t.append(msg('5-0'), false);
  t.notice({ type: 'joined', name: 'bob' });
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

test('resumes from a message older than the newest by the margin, so late arrivals are not skipped', () => {
  const t = new Timeline();
  const at = (id: string, ts: number): Message => ({ ...msg(id), ts });
  expect(t.resumeId(2000)).toBeUndefined();
  t.append(at('10-0', 10_000), false);
  t.append(at('11-0', 11_000), false);
  t.append(at('12-5', 12_500), false);
  // The own ack of 13-0 came first; 12-9, stored earlier, was still on its way.
  t.append(at('13-0', 13_000), true);
  expect(t.resumeId(2000)).toBe('11-0');
  // Everything within the margin: resume from the first message received.
  expect(t.resumeId(60_000)).toBe('10-0');
  expect(t.resumeId(0)).toBe('13-0');
});

test('after a gap, resumes only from what arrived since', () => {
  const t = new Timeline();
  const at = (id: string, ts: number): Message => ({ ...msg(id), ts });
  t.append(at('1-0', 1000), false);
  t.append(at('2-0', 2000), false);
  t.breakContinuity();
  expect(t.resumeId(500)).toBe('2-0');
  t.append(at('90-0', 90_000), false);
  t.append(at('95-0', 95_000), false);
  expect(t.resumeId(2000)).toBe('90-0');
});

test('a later state of a held message replaces it in place; an older or equal one is ignored', () => {
  const t = new Timeline();
  t.append(msg('1-0', 'helo'), false);
  t.append(msg('2-0'), false);
  expect(t.append({ ...msg('1-0', 'hello'), pos: '3-0', editedAt: 3 }, false)).toBe('updated');
  expect(t.append({ ...msg('1-0', 'stale'), pos: '2-5' }, false)).toBe('held');
  expect(t.append(msg('1-0', 'original again'), false)).toBe('held');
  expect(t.items.map((i) => (i.kind === 'message' ? i.message.text : ''))).toEqual([
    'hello',
    '2-0',
  ]);
  // The change's position is known, and is where a rejoin resumes from.
  expect(t.knows('3-0')).toBe(true);
  expect(t.newestId).toBe('3-0');
  expect(t.resumeId(0)).toBe('3-0');
});

test('a change to a message older than any held is noted, not shown out of place', () => {
  const t = new Timeline();
  t.append(msg('5-0'), false);
  expect(t.append({ ...msg('1-0', 'old, edited'), pos: '6-0' }, false)).toBe('held');
  expect(t.items.map((i) => i.key)).toEqual(['5-0']);
  expect(t.knows('6-0')).toBe(true);
  expect(t.knows('5-9')).toBe(false);
  t.noteHead('5-9');
  expect(t.knows('5-9')).toBe(true);
  // A page fetched later brings it as it is.
  t.prepend([{ ...msg('1-0', 'old, edited'), pos: '6-0' }], () => false);
  expect(t.get('1-0')?.text).toBe('old, edited');
});

test('replies held follow their original: its edited text, then no text once deleted', () => {
  const t = new Timeline();
  const original = msg('1-0', 'lunch?');
  t.append(original, false);
  t.append(
    { ...msg('2-0', 'yes'), replyTo: { id: '1-0', author: original.author, text: 'lunch?' } },
    false,
  );
  t.append({ ...original, text: 'lunch at 1?', pos: '3-0', editedAt: 3 }, false);
  expect(t.get('2-0')?.replyTo?.text).toBe('lunch at 1?');
  t.append({ ...original, text: '', deleted: true, pos: '4-0' }, false);
  expect(t.get('2-0')?.replyTo).toEqual({
    id: '1-0',
    author: original.author,
    text: '',
    deleted: true,
  });
});

const kinds = (t: Timeline) => t.items.map((i) => (i.kind === 'message' ? i.message.id : 'notice'));

test('starting again from a page forgets what is older, and keeps what came since', () => {
  const t = new Timeline();
  t.append(msg('1-0'), false);
  t.notice({ type: 'joined', name: 'bob' });
  t.append(msg('2-0'), false);
  // A live message that came while the join was answered, newer than the page.
  t.append(msg('9-0'), false);
  t.restartAt('5-0');
  expect(kinds(t)).toEqual(['9-0']);
  expect(t.has('1-0')).toBe(false);
  expect(t.messageCount).toBe(1);
  // The page goes before it, edited messages included: they are not older than the page.
  expect(t.append({ ...msg('5-0'), pos: '8-0' }, false)).toBe('new');
  expect(t.append(msg('6-0'), false)).toBe('new');
  expect(kinds(t)).toEqual(['5-0', '6-0', '9-0']);
  expect(t.oldestId()).toBe('5-0');
  // A change to a message before the page is only noted, as before any other page.
  expect(t.append({ ...msg('3-0'), pos: '9-5' }, false)).toBe('held');
  t.prepend([msg('3-0'), msg('4-0')], () => false);
  expect(kinds(t)).toEqual(['3-0', '4-0', '5-0', '6-0', '9-0']);
});

test('starting again from an empty page forgets everything', () => {
  const t = new Timeline();
  t.append(msg('1-0'), false);
  t.notice({ type: 'joined', name: 'bob' });
  t.hasMore = true;
  t.restartAt(undefined);
  expect(t.items).toEqual([]);
  expect(t.messageCount).toBe(0);
  expect(t.hasMore).toBe(false);
});
