import { describe, expect, it } from 'vitest';
import { composedText, lengthNote } from './composer.js';
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

  it('takes its length bound from what the server announced, not from a literal', () => {
    const ui = createUiState({ maxTextLength: 123, redraw: () => undefined });
    expect(ui.maxTextLength).toBe(123);
  });
});
