import { Limits, type Member } from '../../../common/contract.js';
import { atLeast } from '../../../common/roles.js';
import type { Chat, Room } from '../model/chat.js';
import { button, el } from './dom.js';
import type { Sanction, UiState } from './ui-state.js';
import { failureText } from './notice-text.js';

/**
 * What a member's row shows of their moderation, for those the user outranks: whether the
 * tools are open, which action waits for its confirmation, and the last refusal. The drafts
 * of a sanction's length and reason are not among them: the inputs own their text.
 */
export interface ModerationValues {
  room: string;
  name: string;
  open: boolean;
  confirming: Sanction | undefined;
  busy: boolean;
  error: string | undefined;
  stillMuted: boolean;
  /** The user owns the room (or is an operator): they may change roles. */
  mayChangeRole: boolean;
  isModerator: boolean;
  /** The user is an operator: they may suspend accounts. */
  operator: boolean;
}

/** The moderation values of a member's row, undefined for those the user may not moderate. */
export function moderationValues(
  member: Member,
  room: Room,
  chat: Chat,
  ui: UiState,
): ModerationValues | undefined {
  if (!chat.mayModerate(room.name, member.id)) return undefined;
  const state = ui.members;
  const muted = room.muted.get(member.id);
  return {
    room: room.name,
    name: member.name,
    open: state.open === member.id,
    confirming: state.confirming?.id === member.id ? state.confirming.action : undefined,
    busy: state.busy === member.id,
    error: state.errors.get(member.id),
    stillMuted: muted !== undefined && (muted.until === undefined || muted.until > Date.now()),
    mayChangeRole: atLeast(chat.roleIn(room.name), 'owner'),
    isModerator: room.roleOf(member.id) === 'moderator',
    operator: chat.operator,
  };
}

/** A ban's or a mute's request, as the confirmation's fields make it, or why not. */
export type SanctionRequest =
  | { ok: true; minutes: number | undefined; reason: string }
  | { ok: false; error: string; field: 'minutes' | 'reason' };

/**
 * Reads a sanction's fields: minutes empty (until lifted) or a whole number from 1 to
 * Limits.sanctionMinutesMax, and a reason of at most Limits.reasonMaxLength characters.
 */
export function sanctionRequest(minutes: string, reason: string): SanctionRequest {
  const text = minutes.trim();
  const count = text === '' ? undefined : Number(text);
  if (
    count !== undefined &&
    !(Number.isInteger(count) && count >= 1 && count <= Limits.sanctionMinutesMax)
  ) {
    return {
      ok: false,
      field: 'minutes',
      error: `Minutes are a whole number from 1 to ${Limits.sanctionMinutesMax} (a year).`,
    };
  }
  if (reason.trim().length > Limits.reasonMaxLength) {
    return {
      ok: false,
      field: 'reason',
      error: `A reason is at most ${Limits.reasonMaxLength} characters.`,
    };
  }
  return { ok: true, minutes: count, reason };
}

export type MemberCommands = ReturnType<typeof createMemberCommands>;

/** What the member list's buttons do: each changes the UiState or calls the chat, then redraws. */
export function createMemberCommands(ui: UiState, chat: Chat) {
  const state = ui.members;
  const update = (id: string, selector: string) => {
    state.focus = { id, selector };
    ui.redraw();
  };
  /** Sends a command for member `id`; its refusal shows under the row, focus goes to `after`. */
  const run = (id: string, command: Promise<string | undefined>, after: string) => {
    state.errors.delete(id);
    state.busy = id;
    const settle = (error: string | undefined) => {
      state.busy = undefined;
      if (error === undefined) {
        // Kicked or banned, the member leaves the list: their tools close with them.
        const action = state.confirming?.id === id ? state.confirming.action : undefined;
        if (action === 'kick' || action === 'ban' || action === 'suspend') state.open = undefined;
        state.confirming = undefined;
      } else {
        state.errors.set(id, error);
      }
      // A kicked or banned member's row goes; focus then simply stays where it is.
      update(id, error === undefined ? after : '.member-confirm button[type="submit"]');
    };
    command.then(settle, (err: unknown) => {
      settle(failureText(err));
    });
  };
  return {
    drafts: (id: string) => (state.confirming?.id === id ? state.confirming : undefined),
    toggle(id: string, open: boolean): void {
      state.open = open ? undefined : id;
      state.confirming = undefined;
      state.errors.delete(id);
      update(id, open ? '.act-moderate' : '.member-tools button');
    },
    ask(id: string, action: Sanction): void {
      const timed = action === 'ban' || action === 'mute';
      state.confirming = { id, action, minutes: timed ? '10' : '', reason: '' };
      state.errors.delete(id);
      update(id, timed ? '.member-confirm input' : '.member-confirm button[type="submit"]');
    },
    keepDrafts(id: string, minutes: string, reason: string): void {
      if (state.confirming?.id !== id) return;
      state.confirming.minutes = minutes;
      state.confirming.reason = reason;
    },
    cancel(id: string, action: Sanction): void {
      state.confirming = undefined;
      state.errors.delete(id);
      update(id, `.act-${action}`);
    },
    confirm(room: string, id: string, action: Sanction, minutes: string, reason: string): void {
      if (state.busy !== undefined) return;
      if (action === 'kick') {
        run(id, chat.moderation.kick(room, id), '.act-moderate');
        return;
      }
      if (action === 'suspend') {
        run(id, chat.moderation.suspendAccount(id), '.act-moderate');
        return;
      }
      const request = sanctionRequest(minutes, reason);
      if (!request.ok) {
        state.errors.set(id, request.error);
        const field = request.field === 'minutes' ? 'input[type="number"]' : 'input:not([type])';
        update(id, `.member-confirm ${field}`);
        return;
      }
      const sanction = action === 'ban' ? chat.moderation.ban : chat.moderation.mute;
      run(id, sanction(room, id, request.minutes, request.reason), '.act-moderate');
    },
    unmute(room: string, id: string): void {
      run(id, chat.moderation.unmute(room, id), '.act-mute');
    },
    setRole(room: string, id: string, role: 'moderator' | 'member'): void {
      run(id, chat.moderation.setRole(room, id, role), '.act-role');
    },
  };
}

const WORDS: Record<Sanction, { verb: string; question: (name: string, room: string) => string }> =
  {
    kick: { verb: 'Kick', question: (n, r) => `Remove ${n} from ${r}? They may come back.` },
    ban: { verb: 'Ban', question: (n, r) => `Ban ${n} from ${r}?` },
    mute: { verb: 'Mute', question: (n, r) => `Stop ${n} writing in ${r}?` },
    suspend: {
      verb: 'Suspend',
      question: (n) =>
        `Suspend ${n}’s account? They are signed out everywhere and cannot sign in until an operator lifts it.`,
    },
  };

/** A ban's or a mute's length and reason, refilled from the drafts the UiState keeps. */
function sanctionFields(id: string, act: MemberCommands) {
  const drafts = act.drafts(id);
  const minutes = el('input', {
    attrs: {
      id: `sanction-minutes-${id}`,
      type: 'number',
      min: '1',
      max: String(Limits.sanctionMinutesMax),
      inputmode: 'numeric',
      placeholder: 'until lifted',
    },
  });
  minutes.value = drafts?.minutes ?? '';
  const reason = el('input', {
    attrs: {
      id: `sanction-reason-${id}`,
      maxlength: String(Limits.reasonMaxLength),
      autocomplete: 'off',
    },
  });
  reason.value = drafts?.reason ?? '';
  const keep = () => {
    act.keepDrafts(id, minutes.value, reason.value);
  };
  minutes.addEventListener('input', keep);
  reason.addEventListener('input', keep);
  const nodes = [
    el('label', { text: 'Minutes (empty: until lifted)', attrs: { for: minutes.id } }),
    minutes,
    el('label', { text: 'Reason (shown to them)', attrs: { for: reason.id } }),
    reason,
  ];
  return { minutes, reason, nodes };
}

/** The in-page confirmation of a kick, a ban, a mute or a suspension. */
function confirmNode(id: string, v: ModerationValues, act: MemberCommands): HTMLElement {
  const action = v.confirming ?? 'kick';
  const words = WORDS[action];
  const cancel = () => {
    act.cancel(id, action);
  };
  const form = el('form', {
    className: 'member-confirm',
    attrs: { 'aria-label': `${words.verb} ${v.name}`, novalidate: '' },
  });
  form.append(el('p', { text: words.question(v.name, `#${v.room}`) }));
  const fields = action === 'ban' || action === 'mute' ? sanctionFields(id, act) : undefined;
  if (fields) form.append(...fields.nodes);
  const confirm = el('button', {
    className: 'danger-button',
    text: v.busy ? `${words.verb}…` : words.verb,
    attrs: { type: 'submit' },
  });
  confirm.disabled = v.busy;
  form.append(
    el('div', { className: 'member-confirm-actions' }, confirm, button('Cancel', cancel)),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    act.confirm(v.room, id, action, fields?.minutes.value ?? '', fields?.reason.value ?? '');
  });
  form.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      cancel();
    }
  });
  return form;
}

/**
 * The tools for a member the user outranks: kick, ban, mute or unmute, for owners (and
 * operators) roles, and for operators the suspension of the account.
 */
function toolsNode(id: string, v: ModerationValues, act: MemberCommands): HTMLElement {
  const ask = (action: Sanction) => () => {
    act.ask(id, action);
  };
  const tools = el('div', {
    className: 'member-tools',
    attrs: { role: 'group', 'aria-label': `Moderate ${v.name}` },
  });
  tools.append(
    button('Kick', ask('kick'), { className: 'link-button act-kick' }),
    button('Ban…', ask('ban'), { className: 'link-button act-ban' }),
    v.stillMuted
      ? button(
          'Unmute',
          () => {
            act.unmute(v.room, id);
          },
          { className: 'link-button act-unmute' },
        )
      : button('Mute…', ask('mute'), { className: 'link-button act-mute' }),
  );
  if (v.mayChangeRole) {
    tools.append(
      button(
        v.isModerator ? 'Remove moderator' : 'Make moderator',
        () => {
          act.setRole(v.room, id, v.isModerator ? 'member' : 'moderator');
        },
        { className: 'link-button act-role' },
      ),
    );
  }
  if (v.operator) {
    tools.append(
      button('Suspend account…', ask('suspend'), { className: 'link-button danger act-suspend' }),
    );
  }
  return tools;
}

/**
 * What a member's row shows besides their name: the "Moderate" toggle for those the user
 * outranks, and when open, the tools or the confirmation under way, and the last refusal.
 */
export function memberModeration(
  id: string,
  v: ModerationValues | undefined,
  act: MemberCommands,
): { toggle: HTMLElement[]; below: HTMLElement[] } {
  if (!v) return { toggle: [], below: [] };
  const toggle = button(
    'Moderate',
    () => {
      act.toggle(id, v.open);
    },
    {
      className: 'link-button act-moderate',
      attrs: { 'aria-expanded': String(v.open), 'aria-label': `Moderate ${v.name}` },
    },
  );
  const below: HTMLElement[] = [];
  if (v.open) below.push(v.confirming ? confirmNode(id, v, act) : toolsNode(id, v, act));
  if (v.error !== undefined) {
    below.push(el('p', { className: 'msg-error', text: v.error, attrs: { role: 'alert' } }));
  }
  return { toggle: [toggle], below };
}
