import { Limits, type Member } from '../../../common/contract.js';
import type { Chat, Room } from '../model/chat.js';
import { button, el } from './dom.js';
import { atLeast } from '../../../common/roles.js';

/** The actions that wait for a confirmation; `suspend` is an operator's, site-wide. */
type Sanction = 'kick' | 'ban' | 'mute' | 'suspend';

/**
 * What the page is doing in the member list, like message-actions.ts for messages: whose
 * moderation tools are open, which action waits for its confirmation (with the draft of
 * its length and reason), and the last refusal per member. Rows carry it in their signature.
 */
interface MemberState {
  open: string | undefined;
  confirming: { id: string; action: Sanction; minutes: string; reason: string } | undefined;
  busy: string | undefined;
  errors: Map<string, string>;
  /** What to focus after the next render: an element of a member's row, by selector. */
  focus: { id: string; selector: string } | undefined;
}

const state: MemberState = {
  open: undefined,
  confirming: undefined,
  busy: undefined,
  errors: new Map(),
  focus: undefined,
};

let rerender: () => void = () => undefined;

/** Gives the member list a way to redraw the page after a change of its own state. */
export function wireMemberActions(render: () => void): void {
  rerender = render;
}

const rowOf = (id: string): HTMLElement | null =>
  document.querySelector<HTMLElement>(`#member-list > [data-key="${CSS.escape(id)}"]`);

function update(id: string, selector: string): void {
  state.focus = { id, selector };
  rerender();
}

/** Runs after every render: puts focus where the last action asked for it. */
export function afterMembersRender(): void {
  const focus = state.focus;
  state.focus = undefined;
  if (focus) rowOf(focus.id)?.querySelector<HTMLElement>(focus.selector)?.focus();
}

/** The part of the state a member's row depends on, for its signature. */
export function memberActionSignature(id: string): string {
  const c = state.confirming?.id === id ? state.confirming.action : '';
  return `${state.open === id ? 'o' : ''}${c}|${state.busy === id ? 'b' : ''}|${state.errors.get(id) ?? ''}`;
}

/** Sends a command for member `id`; its refusal shows under the row, focus goes to `after`. */
function run(id: string, command: Promise<string | undefined>, after: string): void {
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
  command.then(settle, () => {
    settle('Something went wrong; try again.');
  });
}

const ROLE_LABELS = { operator: 'operator', owner: 'owner', moderator: 'moderator' } as const;

/** "operator", "owner" or "moderator" beside a name; nothing for members. */
export function roleBadge(room: Room, member: Member): HTMLElement[] {
  const role = room.roleOf(member.id);
  if (role === 'member') return [];
  return [el('span', { className: `role-badge ${role}`, text: ROLE_LABELS[role] })];
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

/** The in-page confirmation of a kick, a ban or a mute, with a ban's or a mute's length and reason. */
function confirmNode(member: Member, room: Room, chat: Chat): HTMLElement {
  const confirming = state.confirming;
  if (!confirming) return el('div');
  const { action } = confirming;
  const words = WORDS[action];
  const busy = state.busy === member.id;
  const cancel = () => {
    state.confirming = undefined;
    state.errors.delete(member.id);
    update(member.id, `.act-${action}`);
  };
  const form = el('form', {
    className: 'member-confirm',
    attrs: { 'aria-label': `${words.verb} ${member.name}`, novalidate: '' },
  });
  form.append(el('p', { text: words.question(member.name, `#${room.name}`) }));
  let minutes: HTMLInputElement | undefined;
  let reason: HTMLInputElement | undefined;
  if (action === 'ban' || action === 'mute') {
    const minutesId = `sanction-minutes-${member.id}`;
    const reasonId = `sanction-reason-${member.id}`;
    minutes = el('input', {
      attrs: {
        id: minutesId,
        type: 'number',
        min: '1',
        max: String(Limits.sanctionMinutesMax),
        inputmode: 'numeric',
        placeholder: 'until lifted',
      },
    });
    minutes.value = confirming.minutes;
    reason = el('input', {
      attrs: { id: reasonId, maxlength: String(Limits.reasonMaxLength), autocomplete: 'off' },
    });
    reason.value = confirming.reason;
    const keep = () => {
      if (state.confirming?.id !== member.id) return;
      state.confirming.minutes = minutes?.value ?? '';
      state.confirming.reason = reason?.value ?? '';
    };
    minutes.addEventListener('input', keep);
    reason.addEventListener('input', keep);
    form.append(
      el('label', { text: 'Minutes (empty: until lifted)', attrs: { for: minutesId } }),
      minutes,
      el('label', { text: 'Reason (shown to them)', attrs: { for: reasonId } }),
      reason,
    );
  }
  const confirm = el('button', {
    className: 'danger-button',
    text: busy ? `${words.verb}…` : words.verb,
    attrs: { type: 'submit' },
  });
  confirm.disabled = busy;
  form.append(
    el('div', { className: 'member-confirm-actions' }, confirm, button('Cancel', cancel)),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (state.busy !== undefined) return;
    if (action === 'kick') {
      run(member.id, chat.moderation.kick(room.name, member.id), '.act-moderate');
      return;
    }
    if (action === 'suspend') {
      run(member.id, chat.moderation.suspendAccount(member.id), '.act-moderate');
      return;
    }
    const text = minutes?.value.trim() ?? '';
    const count = text === '' ? undefined : Number(text);
    if (
      count !== undefined &&
      !(Number.isInteger(count) && count >= 1 && count <= Limits.sanctionMinutesMax)
    ) {
      state.errors.set(
        member.id,
        `Minutes are a whole number from 1 to ${Limits.sanctionMinutesMax} (a year).`,
      );
      update(member.id, '.member-confirm input[type="number"]');
      return;
    }
    const why = reason?.value ?? '';
    run(
      member.id,
      action === 'ban'
        ? chat.moderation.ban(room.name, member.id, count, why)
        : chat.moderation.mute(room.name, member.id, count, why),
      '.act-moderate',
    );
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
function toolsNode(member: Member, room: Room, chat: Chat): HTMLElement {
  const ask = (action: Sanction) => () => {
    state.confirming = {
      id: member.id,
      action,
      minutes: action === 'ban' || action === 'mute' ? '10' : '',
      reason: '',
    };
    state.errors.delete(member.id);
    update(
      member.id,
      action === 'ban' || action === 'mute'
        ? '.member-confirm input'
        : '.member-confirm button[type="submit"]',
    );
  };
  const tools = el('div', {
    className: 'member-tools',
    attrs: { role: 'group', 'aria-label': `Moderate ${member.name}` },
  });
  const muted = room.muted.get(member.id);
  const stillMuted = muted !== undefined && (muted.until === undefined || muted.until > Date.now());
  tools.append(
    button('Kick', ask('kick'), { className: 'link-button act-kick' }),
    button('Ban…', ask('ban'), { className: 'link-button act-ban' }),
    stillMuted
      ? button(
          'Unmute',
          () => {
            run(member.id, chat.moderation.unmute(room.name, member.id), '.act-mute');
          },
          { className: 'link-button act-unmute' },
        )
      : button('Mute…', ask('mute'), { className: 'link-button act-mute' }),
  );
  if (atLeast(chat.roleIn(room.name), 'owner')) {
    const moderator = room.roleOf(member.id) === 'moderator';
    tools.append(
      button(
        moderator ? 'Remove moderator' : 'Make moderator',
        () => {
          run(
            member.id,
            chat.moderation.setRole(room.name, member.id, moderator ? 'member' : 'moderator'),
            '.act-role',
          );
        },
        { className: 'link-button act-role' },
      ),
    );
  }
  if (chat.operator) {
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
  member: Member,
  room: Room,
  chat: Chat,
): {
  toggle: HTMLElement[];
  below: HTMLElement[];
} {
  if (!chat.mayModerate(room.name, member.id)) return { toggle: [], below: [] };
  const open = state.open === member.id;
  const toggle = button(
    'Moderate',
    () => {
      state.open = open ? undefined : member.id;
      state.confirming = undefined;
      state.errors.delete(member.id);
      update(member.id, open ? '.act-moderate' : '.member-tools button');
    },
    {
      className: 'link-button act-moderate',
      attrs: { 'aria-expanded': String(open), 'aria-label': `Moderate ${member.name}` },
    },
  );
  const below: HTMLElement[] = [];
  if (open) {
    below.push(
      state.confirming?.id === member.id
        ? confirmNode(member, room, chat)
        : toolsNode(member, room, chat),
    );
  }
  const error = state.errors.get(member.id);
  if (error !== undefined) {
    below.push(el('p', { className: 'msg-error', text: error, attrs: { role: 'alert' } }));
  }
  return { toggle: [toggle], below };
}

/** Bans seen in this room that have not ended, with Unban for those the user may lift. */
export function renderBanned(room: Room | undefined, chat: Chat): void {
  const list = document.getElementById('banned-list');
  const title = document.getElementById('banned-title');
  if (!list || !title) return;
  const now = Date.now();
  const bans =
    room === undefined || chat.roleIn(room.name) === 'member'
      ? []
      : [...room.banned.values()].filter((b) => b.until === undefined || b.until > now);
  title.hidden = bans.length === 0;
  const sig = `${room?.name ?? ''}|${bans.map((b) => `${b.member.id}:${b.member.name}`).join(',')}`;
  if (list.dataset.sig === sig) return;
  list.dataset.sig = sig;
  list.replaceChildren(
    ...bans.map(({ member }) =>
      el(
        'li',
        { className: 'member', attrs: { 'data-testid': 'banned' } },
        el('span', { className: 'member-name', text: member.name }),
        button(
          'Unban',
          () => {
            if (!room) return;
            const error = document.getElementById('member-error');
            void chat.moderation.unban(room.name, member.id).then((problem) => {
              if (error) error.textContent = problem ?? '';
            });
          },
          { className: 'link-button', attrs: { 'aria-label': `Unban ${member.name}` } },
        ),
      ),
    ),
  );
}
