import { describe, expect, it } from 'vitest';
import type { Chat } from '../model/chat.js';
import { createMessageCommands, REPORTED_NOTE } from './message-commands.js';
import { createUiState } from './ui-state.js';

const setup = () => {
  const sent: unknown[][] = [];
  const chat = {
    edit: (...args: unknown[]) => {
      sent.push(['edit', ...args]);
      return Promise.resolve(undefined);
    },
    reports: {
      reportMessage: (...args: unknown[]) => {
        sent.push(['report', ...args]);
        return Promise.resolve(undefined);
      },
    },
  } as unknown as Chat;
  const ui = createUiState({ maxTextLength: 2000, redraw: () => undefined });
  return { ui, act: createMessageCommands(ui, chat), sent };
};

describe('a message’s commands, on a UiState', () => {
  it('carry the server’s text bound for the editor', () => {
    expect(setup().act.maxTextLength).toBe(2000);
  });

  it('refuse to save an empty edit, keeping the editor open', () => {
    const { ui, act, sent } = setup();
    act.startEdit('m1', 'hello');
    act.saveEdit('den', 'm1', 'hello', '   ');
    expect(sent).toEqual([]);
    expect(ui.messages.editing?.id).toBe('m1');
    expect(ui.messages.errors.get('m1')).toMatch(/cannot be empty/);
  });

  it('close the editor without sending when the text did not change', () => {
    const { ui, act, sent } = setup();
    act.startEdit('m1', 'hello');
    act.saveEdit('den', 'm1', 'hello', ' hello ');
    expect(sent).toEqual([]);
    expect(ui.messages.editing).toBeUndefined();
  });

  it('send a report with its trimmed reason, then say it was filed', async () => {
    const { ui, act, sent } = setup();
    act.toggleReport('m1');
    act.sendReport('den', 'm1', '  ');
    expect(sent).toEqual([]);
    expect(ui.messages.errors.get('m1')).toMatch(/Say why/);
    act.sendReport('den', 'm1', ' spam ');
    expect(sent).toEqual([['report', 'den', 'm1', 'spam']]);
    await Promise.resolve();
    await Promise.resolve();
    expect(ui.messages.notes.get('m1')).toBe(REPORTED_NOTE);
    expect(ui.messages.reporting).toBeUndefined();
  });
});
