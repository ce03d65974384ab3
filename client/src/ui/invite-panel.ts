import type { Member } from '../../../common/contract.js';
import type { Chat, Room } from '../model/chat.js';
import { button, byId, el, keyedList } from './dom.js';
import type { InviteState, Panel, UiState } from './ui-state.js';
import { failureText } from './notice-text.js';

/**
 * "Invite…" in the header of a private room, for those who run it: a form that invites by
 * username, and the people of the user's other rooms (who are not in this one) to invite
 * with one click. Open for one room at a time; what it said last stays until it closes.
 */

/** The people the user has seen in their other rooms and conversations, not in `room`. */
function knownElsewhere(chat: Chat, room: Room): Member[] {
  const here = room.presence.members;
  const byId = new Map<string, Member>();
  for (const other of chat.rooms.values()) {
    if (other === room) continue;
    const people =
      other.kind === 'direct' ? other.participants : [...other.presence.members.values()];
    for (const person of people) {
      if (person.id !== chat.user.id && !here.has(person.id)) byId.set(person.id, person);
    }
  }
  return [...byId.values()].sort((a, b) => a.name.localeCompare(b.name));
}

const mayInvite = (room: Room | undefined, chat: Chat): room is Room =>
  room?.kind === 'room' && room.info?.private === true && chat.isStaff(room.name);

function close(state: InviteState): void {
  state.open = undefined;
  state.busy = false;
  byId('invite-status').textContent = '';
  byId('invite-error').textContent = '';
}

function send(
  ui: UiState,
  chat: Chat,
  who: { userId: string } | { username: string },
  name: string,
): void {
  const state = ui.invite;
  const room = state.open;
  if (room === undefined || state.busy) return;
  state.busy = true;
  byId('invite-status').textContent = '';
  byId('invite-error').textContent = '';
  ui.redraw();
  const settle = (problem: string | undefined) => {
    if (state.open !== room) return;
    state.busy = false;
    if (problem === undefined) {
      byId('invite-status').textContent = `Invited ${name}: they may join #${room} now.`;
      if ('username' in who) byId('invite-username', HTMLInputElement).value = '';
    } else {
      byId('invite-error').textContent = problem;
    }
    ui.redraw();
    byId('invite-username').focus();
  };
  chat.moderation.invite(room, who).then(settle, (err: unknown) => {
    settle(failureText(err));
  });
}

/** Wires the toggle, the form (Enter invites, Escape closes) and Close. */
function wireInvite(ui: UiState, chat: Chat): void {
  const state = ui.invite;
  const toggle = byId('invite-toggle');
  const input = byId('invite-username', HTMLInputElement);
  const back = () => {
    close(state);
    ui.redraw();
    toggle.focus();
  };
  toggle.addEventListener('click', () => {
    const room = chat.currentRoom;
    if (state.open !== undefined) {
      back();
      return;
    }
    if (!mayInvite(room, chat)) return;
    close(state);
    state.open = room.name;
    ui.redraw();
    input.focus();
  });
  byId('invite-close').addEventListener('click', back);
  byId('invite-form').addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      back();
    }
  });
  byId('invite-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const username = input.value.trim();
    if (username === '') {
      byId('invite-error').textContent = 'Type the username of the person to invite.';
      input.focus();
      return;
    }
    send(ui, chat, { username }, username);
  });
}

/** "Invite…" in the header of a private room, with the people to invite in one click. */
export function createInvitePanel(ui: UiState, chat: Chat): Panel {
  const state = ui.invite;
  wireInvite(ui, chat);
  const people = keyedList<{ person: Member; busy: boolean }>(byId('invite-known'), (v) => {
    const invite = button(`Invite ${v.person.name}`, () => {
      send(ui, chat, { userId: v.person.id }, v.person.name);
    });
    invite.disabled = v.busy;
    return el('li', {}, invite);
  });
  return {
    update() {
      const room = chat.currentRoom;
      const allowed = mayInvite(room, chat);
      if (!allowed || state.open !== room.name) close(state);
      const toggle = byId('invite-toggle', HTMLButtonElement);
      toggle.hidden = !allowed;
      toggle.setAttribute('aria-expanded', String(state.open !== undefined));
      byId('invite-form').hidden = state.open === undefined;
      byId('invite-submit', HTMLButtonElement).disabled = state.busy;
      const known = allowed && state.open !== undefined ? knownElsewhere(chat, room) : [];
      byId('invite-known-title').hidden = known.length === 0;
      people.update(
        known.map((person) => ({ key: person.id, values: { person, busy: state.busy } })),
      );
    },
  };
}
