import { describe, expect, it } from 'vitest';
import { Limits } from '../../../common/contract.js';
import type { Chat } from '../model/chat.js';
import { createMemberCommands, sanctionRequest } from './member-actions.js';
import { createUiState } from './ui-state.js';

describe('the sanction form', () => {
  it('takes empty minutes as until lifted', () => {
    expect(sanctionRequest('', 'flooding')).toEqual({
      ok: true,
      minutes: undefined,
      reason: 'flooding',
    });
    expect(sanctionRequest('   ', '')).toEqual({ ok: true, minutes: undefined, reason: '' });
  });

  it('takes whole minutes from 1 to Limits.sanctionMinutesMax', () => {
    expect(sanctionRequest('1', '')).toMatchObject({ ok: true, minutes: 1 });
    expect(sanctionRequest(' 10 ', '')).toMatchObject({ ok: true, minutes: 10 });
    expect(sanctionRequest(String(Limits.sanctionMinutesMax), '')).toMatchObject({
      ok: true,
      minutes: Limits.sanctionMinutesMax,
    });
  });

  it('refuses minutes out of bounds or not whole, naming the field', () => {
    for (const minutes of ['0', '-5', '1.5', 'ten', String(Limits.sanctionMinutesMax + 1)]) {
      const request = sanctionRequest(minutes, '');
      expect(request.ok).toBe(false);
      if (!request.ok) {
        expect(request.field).toBe('minutes');
        expect(request.error).toContain(String(Limits.sanctionMinutesMax));
      }
    }
  });

  it('refuses a reason longer than Limits.reasonMaxLength, after trimming', () => {
    const longest = 'x'.repeat(Limits.reasonMaxLength);
    expect(sanctionRequest('5', ` ${longest} `)).toMatchObject({ ok: true, minutes: 5 });
    const request = sanctionRequest('5', `${longest}x`);
    expect(request).toMatchObject({ ok: false, field: 'reason' });
  });
});

describe('the member list’s commands, on a UiState', () => {
  const setup = () => {
    const sent: unknown[][] = [];
    const record =
      (name: string) =>
      (...args: unknown[]) => {
        sent.push([name, ...args]);
        return Promise.resolve(undefined);
      };
    const chat = {
      moderation: { ban: record('ban'), mute: record('mute'), kick: record('kick') },
    } as unknown as Chat;
    let redraws = 0;
    const ui = createUiState({
      maxTextLength: 2000,
      redraw: () => {
        redraws++;
      },
    });
    return { ui, act: createMemberCommands(ui, chat), sent, redraws: () => redraws };
  };

  it('asks before a ban, with ten minutes proposed, and focuses the first field', () => {
    const { ui, act } = setup();
    act.ask('u1', 'ban');
    expect(ui.members.confirming).toEqual({ id: 'u1', action: 'ban', minutes: '10', reason: '' });
    expect(ui.members.focus).toEqual({ id: 'u1', selector: '.member-confirm input' });
  });

  it('keeps a refused length on the row and sends nothing', () => {
    const { ui, act, sent, redraws } = setup();
    act.ask('u1', 'mute');
    act.confirm('den', 'u1', 'mute', String(Limits.sanctionMinutesMax + 1), '');
    expect(sent).toEqual([]);
    expect(ui.members.errors.get('u1')).toMatch(/whole number/);
    expect(redraws()).toBe(2);
  });

  it('sends a valid ban with its length and reason', () => {
    const { act, sent } = setup();
    act.ask('u1', 'ban');
    act.confirm('den', 'u1', 'ban', '15', 'flooding');
    expect(sent).toEqual([['ban', 'den', 'u1', 15, 'flooding']]);
  });
});
