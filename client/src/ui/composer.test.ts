import { describe, expect, it } from 'vitest';
import type { Message } from '../../../common/contract.js';
import type { TimelineItem } from '../model/timeline.js';
import { composedText, lastEditable, lengthNote } from './composer.js';
import { createUiState } from './ui-state.js';

describe('the composer', () => {
  it('sends the trimmed text, and nothing for blanks', () => {
    expect(composedText('  hello \n')).toBe('hello');
    expect(composedText(' \n\t ')).toBeUndefined();
    expect(composedText('')).toBeUndefined();
  });

  it('says nothing far from the bound, counts near it, and refuses past it without cutting', () => {
    expect(lengthNote('x'.repeat(1799), 2000)).toBeUndefined();
    expect(lengthNote('x'.repeat(1800), 2000)).toEqual({ text: '1,800 / 2,000', over: false });
    expect(lengthNote('x'.repeat(2000), 2000)).toEqual({ text: '2,000 / 2,000', over: false });
    expect(lengthNote('x'.repeat(2500), 2000)).toEqual({
      text: '2,500 characters: at most 2,000 can be sent. Shorten it, or split it in two.',
      over: true,
    });
    // Counted as the server counts: characters of the trimmed text, an emoji being one.
    expect(lengthNote(`  ${'😀'.repeat(2000)}  `, 2000)?.over).toBe(false);
    expect(lengthNote('😀'.repeat(2001), 2000)?.over).toBe(true);
  });

  it('Up-arrow edits the newest message of one’s own that is not deleted', () => {
    const message = (id: string, extra: Partial<Message> = {}): Message => ({
      id,
      room: 'general',
      author: { id: 'u1', name: 'ann' },
      text: `text ${id}`,
      ts: 1,
      ...extra,
    });
    const item = (m: Message, own: boolean): TimelineItem => ({
      kind: 'message',
      key: m.id,
      message: m,
      own,
    });
    const items = [
      item(message('1-0'), true),
      item(message('2-0'), true),
      { kind: 'notice', key: 'n', notice: { type: 'joined', name: 'bo' }, tone: 'info' } as const,
      item(message('3-0', { deleted: true, text: '' }), true),
      item(message('4-0', { author: { id: 'u2', name: 'bo' } }), false),
    ];
    expect(lastEditable(items)?.id).toBe('2-0');
    expect(lastEditable(items.slice(0, 1))?.id).toBe('1-0');
    expect(lastEditable([items[4] as TimelineItem])).toBeUndefined();
  });

  it('takes its length bound from what the server announced, not from a literal', () => {
    const ui = createUiState({ maxTextLength: 123, redraw: () => undefined });
    expect(ui.maxTextLength).toBe(123);
  });
});
