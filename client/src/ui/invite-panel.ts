import type { Member } from '../../../common/contract.js';
import type { Chat, Room } from '../model/chat.js';
import { button, byId, el, reconcile } from './dom.js';

/**
 * "Invite…" in the header of a private room, for those who run it: a form that invites by
 * username, and the people of the user's other rooms (who are not in this one) to invite
 * with one click. Open for one room at a time; what it said last stays until it closes.
 */
let open: string | undefined;
let busy = false;

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

export function renderInvite(room: Room | undefined, chat: Chat): void {
  const allowed = mayInvite(room, chat);
  if (!allowed || open !== room.name) close();
  const toggle = byId('invite-toggle', HTMLButtonElement);
  toggle.hidden = !allowed;
  toggle.setAttribute('aria-expanded', String(open !== undefined));
  byId('invite-form').hidden = open === undefined;
  byId('invite-submit', HTMLButtonElement).disabled = busy;
  const list = byId('invite-known');
  const people = allowed && open !== undefined ? knownElsewhere(chat, room) : [];
  byId('invite-known-title').hidden = people.length === 0;
  reconcile(
    list,
    people,
    (p) => p.id,
    (p) => `${p.name}|${busy ? 'b' : ''}`,
    (p) => {
      const invite = button(`Invite ${p.name}`, () => {
        send(chat, { userId: p.id }, p.name);
      });
      invite.disabled = busy;
      return el('li', {}, invite);
    },
  );
}

function close(): void {
  open = undefined;
  busy = false;
  byId('invite-status').textContent = '';
  byId('invite-error').textContent = '';
}

let rerender: () => void = () => undefined;

function send(chat: Chat, who: { userId: string } | { username: string }, name: string): void {
  const room = open;
  if (room === undefined || busy) return;
  busy = true;
  byId('invite-status').textContent = '';
  byId('invite-error').textContent = '';
  rerender();
  const settle = (problem: string | undefined) => {
    if (open !== room) return;
    busy = false;
    if (problem === undefined) {
      byId('invite-status').textContent = `Invited ${name}: they may join #${room} now.`;
      if ('username' in who) byId('invite-username', HTMLInputElement).value = '';
    } else {
      byId('invite-error').textContent = problem;
    }
    rerender();
    byId('invite-username').focus();
  };
  chat.moderation.invite(room, who).then(settle, () => {
    settle('Something went wrong; try again.');
  });
}

/** Wires the toggle, the form (Enter invites, Escape closes) and Close. */
export function wireInvite(chat: Chat, render: () => void): void {
  rerender = render;
  const toggle = byId('invite-toggle');
  const input = byId('invite-username', HTMLInputElement);
  const back = () => {
    close();
    render();
    toggle.focus();
  };
  toggle.addEventListener('click', () => {
    const room = chat.currentRoom;
    if (open !== undefined) {
      back();
      return;
    }
    if (!mayInvite(room, chat)) return;
    close();
    open = room.name;
    render();
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
    send(chat, { username }, username);
  });
}
