import { Limits, type RoomSummary } from '../../../common/contract.js';
import type { Chat } from '../model/chat.js';
import { ROOM_NAME_RULE, roomNameOf, wireCreateRoom } from './create-room.js';
import { byId, el, keyedList } from './dom.js';
import { roomLabel } from './format.js';
import type { Panel } from './ui-state.js';

/** What a room's or a conversation's entry in the sidebar shows. */
interface RoomValues {
  name: string;
  label: string;
  unread: number;
  mentions: number;
  current: boolean;
}

/** A room's or a conversation's entry in the sidebar, with its unread and mention counts. */
function roomButton(v: RoomValues, chat: Chat): HTMLElement {
  const entry = el(
    'button',
    {
      className: 'room-button',
      attrs: { type: 'button', 'data-room': v.name, 'aria-current': String(v.current) },
    },
    el('span', { className: 'room-name', text: v.label }),
  );
  const badges = el('span', { className: 'badges' });
  if (v.mentions > 0) {
    const label = `${v.mentions} ${v.mentions === 1 ? 'mention' : 'mentions'}`;
    badges.append(
      el('span', {
        className: 'badge mention',
        text: `@${v.mentions}`,
        attrs: { 'aria-label': label, title: label, 'data-testid': 'mentions' },
      }),
    );
  }
  if (v.unread > 0) {
    badges.append(
      el('span', {
        className: 'badge',
        text: String(v.unread),
        attrs: { 'aria-label': `${v.unread} unread`, 'data-testid': 'unread' },
      }),
    );
  }
  if (badges.childElementCount > 0) entry.append(badges);
  entry.addEventListener('click', () => {
    // A conversation listed from its first message is joined by the chat once selected.
    chat.select(v.name);
  });
  return el('li', {}, entry);
}

/** A room of the directory the user is not in, with how many are online in it. */
function directoryButton(r: RoomSummary, chat: Chat): HTMLElement {
  const button = el(
    'button',
    { className: 'room-button', attrs: { type: 'button', 'data-room': r.name } },
    el('span', { className: 'room-name', text: `#${r.name}` }),
    el('span', {
      className: 'count',
      text: String(r.members),
      attrs: { 'aria-label': `${r.members} online` },
    }),
  );
  button.addEventListener('click', () => {
    void chat.join(r.name);
  });
  return el('li', {}, button);
}

/** The sidebar's join field: a typed name is joined, or the rule for names is shown. */
function wireJoin(chat: Chat): void {
  byId('join-form', HTMLFormElement).addEventListener('submit', (event) => {
    event.preventDefault();
    const input = byId('join-input', HTMLInputElement);
    const room = roomNameOf(input.value);
    const error = byId('join-error');
    if (!Limits.roomPattern.test(room)) {
      error.textContent = ROOM_NAME_RULE;
      return;
    }
    error.textContent = '';
    input.value = '';
    void chat.join(room);
  });
}

/** "Mark all as read": every room and conversation, on the server too; a refusal is said. */
function wireMarkAllRead(chat: Chat): void {
  const button = byId('mark-all-read', HTMLButtonElement);
  const error = byId('mark-all-error');
  button.addEventListener('click', () => {
    error.textContent = '';
    chat.markAllRead().then(
      (refused) => {
        if (refused !== undefined) error.textContent = refused;
      },
      () => {
        error.textContent = 'No answer from the server: try again.';
      },
    );
  });
}

/** The sidebar: the user's rooms and conversations, the directory, joining and creating. */
export function createRoomList(chat: Chat): Panel {
  wireJoin(chat);
  wireCreateRoom(chat);
  wireMarkAllRead(chat);
  const build = (v: RoomValues) => roomButton(v, chat);
  const joined = keyedList(byId('joined-rooms'), build);
  const direct = keyedList(byId('direct-list'), build);
  const directory = keyedList<RoomSummary>(byId('all-rooms'), (r) => directoryButton(r, chat));
  return {
    update() {
      const held = [...chat.rooms.values()].map((room) => ({
        key: room.name,
        direct: room.kind === 'direct',
        values: {
          name: room.name,
          label: roomLabel(room, chat),
          unread: room.unread,
          mentions: room.mentions,
          current: chat.current === room.name,
        },
      }));
      joined.update(held.filter((r) => !r.direct));
      const conversations = held.filter((r) => r.direct);
      direct.update(conversations);
      byId('direct-empty').hidden = conversations.length > 0;
      const others = chat.directory.filter((r) => !chat.rooms.has(r.name));
      directory.update(others.map((r) => ({ key: r.name, values: { ...r } })));
    },
  };
}
