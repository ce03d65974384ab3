import { describe, expect, it } from 'vitest';
import { composedText } from './composer.js';
import { createUiState } from './ui-state.js';

describe('the composer', () => {
  it('sends the trimmed text, and nothing for blanks', () => {
    expect(composedText('  hello \n')).toBe('hello');
    expect(composedText(' \n\t ')).toBeUndefined();
    expect(composedText('')).toBeUndefined();
  });

  it('takes its length bound from what the server announced, not from a literal', () => {
    const ui = createUiState({ maxTextLength: 123, redraw: () => undefined });
    expect(ui.maxTextLength).toBe(123);
  });
});
