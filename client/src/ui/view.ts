import type { Message } from '../../../common/contract.js';
import type { Chat, Room } from '../model/chat.js';
import type { ConnectionState } from '../model/connection-state.js';
import { plainText, renderMarkdown } from '../model/markdown.js';
import { createAuditPanel } from './audit-panel.js';
import { createComposer } from './composer.js';
import { byId, el } from './dom.js';
import { conversationPresence, roomLabel } from './format.js';
import { createInvitePanel } from './invite-panel.js';
import { createMemberPanel, restoreMemberFocus } from './member-panel.js';
import { restoreMessageFocus } from './message-actions.js';
import { createOperatorTools } from './operator-tools.js';
import { createReportsPanel } from './reports-panel.js';
import { createRetentionPanel } from './retention-panel.js';
import { createRoomHeader } from './room-header.js';
import { createRoomList } from './room-list.js';
import { createInvitations } from './invitations.js';
import { joinProblemText } from './notice-text.js';
import { createTimelinePanel } from './timeline-panel.js';
import type { Panel, UiState } from './ui-state.js';

/** What the status bar says of each connection state. */
const CONNECTION_LABELS: Record<ConnectionState, string> = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  offline: 'Offline — messages will be sent when you’re back',
};

/** The status bar: the connection, its transport, and the user's name. */
function createStatusBar(chat: Chat): Panel {
  return {
    update() {
      byId('status').dataset.state = chat.connection;
      byId('status-text').textContent = CONNECTION_LABELS[chat.connection];
      const transport = byId('transport');
      transport.dataset.transport = chat.transport ?? '';
      transport.textContent = chat.transport ?? '—';
      byId('me-name').textContent = chat.user.name;
      const username = byId('me-username');
      username.hidden = chat.user.username === undefined;
      username.textContent = chat.user.username === undefined ? '' : `@${chat.user.username}`;
    },
  };
}

/**
 * Why a join failed, or why the user is no longer in a room (kicked, banned, until when),
 * above the messages where it is seen on a phone too, until dismissed.
 */
function createAlert(chat: Chat): Panel {
  const alert = byId('chat-alert');
  const line = byId('chat-alert-text');
  byId('chat-alert-dismiss').addEventListener('click', () => {
    chat.dismissJoinError();
    byId('composer-input').focus();
  });
  return {
    update() {
      const text = chat.joinError ? joinProblemText(chat.joinError, Date.now()) : '';
      if (line.textContent !== text) line.textContent = text;
      alert.hidden = text === '';
    },
  };
}

function typingText(room: Room): string {
  const names = [...room.presence.typing.values()].map((t) => t.member.name);
  if (names.length === 0) return '';
  if (names.length === 1) return `${names[0] ?? ''} is typing…`;
  if (names.length === 2) return `${names[0] ?? ''} and ${names[1] ?? ''} are typing…`;
  return `${names.length} people are typing…`;
}

/** The room's name and head count above the messages, who is typing, and "Leave". */
function createRoomBar(chat: Chat): Panel {
  const leave = byId('leave-room');
  leave.addEventListener('click', () => {
    if (chat.current !== undefined) void chat.leave(chat.current);
  });
  return {
    update() {
      const room = chat.currentRoom;
      leave.hidden = room === undefined || room.kind === 'direct';
      if (!room) {
        byId('room-title').textContent = 'No room';
        byId('room-count').textContent = 'Join a room to start chatting';
        byId('typing').textContent = '';
        return;
      }
      byId('room-title').textContent = roomLabel(room, chat);
      byId('room-count').textContent = !room.joined
        ? 'joining…'
        : room.kind === 'direct'
          ? conversationPresence(room, chat)
          : `${room.presence.count} ${room.presence.count === 1 ? 'member' : 'members'} online`;
      byId('typing').textContent = typingText(room);
    },
  };
}

/** On a phone the rooms, the members and the account's buttons open over the chat. */
function wireMobilePanels(): { roomShown(room: string | undefined): void } {
  const closers = new Map<string, () => void>();
  for (const [buttonId, panelId, closesOn] of [
    ['toggle-rooms', 'rooms-panel', '.room-button, .member-message'],
    ['toggle-members', 'members-panel', '.room-button, .member-message'],
    ['toggle-account', 'account-menu', 'button'],
  ] as const) {
    const button = byId(buttonId, HTMLButtonElement);
    const panel = byId(panelId);
    const show = (open: boolean) => {
      button.setAttribute('aria-expanded', String(open));
      panel.classList.toggle('open', open);
    };
    closers.set(panelId, () => {
      show(false);
    });
    button.addEventListener('click', () => {
      show(button.getAttribute('aria-expanded') !== 'true');
    });
    // Picking a room, a person to write to or one of the account's buttons closes the panel.
    panel.addEventListener('click', (event) => {
      if (event.target instanceof Element && event.target.closest(closesOn)) show(false);
    });
    document.addEventListener('keydown', (event) => {
      // An Escape that cancelled something inside the panel (a member's confirm) is spent.
      if (event.key !== 'Escape' || event.defaultPrevented || !panel.classList.contains('open')) {
        return;
      }
      const target = event.target;
      if (!(target instanceof Node) || !(panel.contains(target) || button.contains(target))) return;
      show(false);
      button.focus();
    });
  }
  let shown: { room: string | undefined } | undefined;
  return {
    // A room joined from the field or the form, as well as one picked, closes the rooms
    // panel, which would otherwise cover the room just opened.
    roomShown(room) {
      if (shown && shown.room !== room) closers.get('rooms-panel')?.();
      shown = { room };
    },
  };
}

/**
 * The whole page as panels, each owning its part of the DOM; `update` redraws every one from
 * the chat and the UiState, and is safe to call on every change.
 */
export function createView(ui: UiState, chat: Chat): Panel {
  const mobile = wireMobilePanels();
  const panels: Panel[] = [
    createStatusBar(chat),
    createRoomList(chat),
    createInvitations(chat),
    createRoomBar(chat),
    createComposer(ui, chat),
    createRoomHeader(ui, chat),
    createRetentionPanel(ui, chat),
    createInvitePanel(ui, chat),
    createAuditPanel(ui, chat),
    createReportsPanel(ui, chat),
    createOperatorTools(chat),
    createTimelinePanel(ui, chat),
    createMemberPanel(ui, chat),
    createAlert(chat),
  ];
  return {
    update() {
      for (const panel of panels) panel.update();
      mobile.roomShown(chat.current);
      restoreMessageFocus(ui);
      restoreMemberFocus(ui);
    },
  };
}

/** Reads a new message aloud to screen-reader users, without re-reading the whole list. */
export function announce(message: Message, chat: Chat): void {
  const announcer = byId('announcer');
  const room = chat.rooms.get(message.room);
  const where = room ? roomLabel(room, chat) : `#${message.room}`;
  // The text as shown, without the Markdown markers a screen reader would spell out.
  const text = plainText(renderMarkdown(message.text));
  const line = el('p', { text: `${message.author.name} in ${where}: ${text}` });
  announcer.append(line);
  while (announcer.childElementCount > 5) announcer.firstElementChild?.remove();
}
