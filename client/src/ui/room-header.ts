import { DEFAULT_ROOM, Limits } from '../../../common/contract.js';
import type { Chat, Room } from '../model/chat.js';
import { byId } from './dom.js';
import type { HeaderState, Panel, UiState } from './ui-state.js';
import { failureText } from './notice-text.js';

/** Whether the user may delete the room: operators, every room but `general`. */
const mayDelete = (room: Room | undefined, chat: Chat): room is Room =>
  chat.operator && room?.kind === 'room' && room.name !== DEFAULT_ROOM;

/** "Delete room" for operators, and its confirmation step in the header. */
function renderDeleteRoom(state: HeaderState, room: Room | undefined, chat: Chat): void {
  const allowed = mayDelete(room, chat);
  if (state.deleting && (!allowed || state.deleting.room !== room.name)) state.deleting = undefined;
  const deleting = state.deleting;
  byId('delete-room').hidden = !allowed || deleting !== undefined;
  byId('delete-room-confirm').hidden = deleting === undefined;
  if (!deleting) return;
  const question = `Delete #${deleting.room} for everyone? Its messages, settings and reports go, and everyone in it is sent away.`;
  const text = byId('delete-room-question');
  if (text.textContent !== question) text.textContent = question;
  const yes = byId('delete-room-yes', HTMLButtonElement);
  yes.disabled = deleting.busy;
  yes.textContent = deleting.busy ? 'Deleting…' : 'Delete room';
}

/**
 * Shows the room's topic and lock, and to its owners and moderators "Edit topic" and
 * "Make private" (or public).
 */
function renderRoomHeader(state: HeaderState, chat: Chat): void {
  const room = chat.currentRoom;
  const topic = byId('room-topic');
  const lock = byId('room-lock');
  const edit = byId('edit-topic', HTMLButtonElement);
  const form = byId('topic-form', HTMLFormElement);
  const info = room?.kind === 'room' ? room.info : undefined;
  topic.textContent = info?.topic ?? '';
  topic.hidden = !info?.topic;
  lock.hidden = info?.private !== true;
  const mayEdit = room !== undefined && room.kind === 'room' && chat.roleIn(room.name) !== 'member';
  if (state.editing && (!mayEdit || state.editing.room !== room.name)) close(state, false);
  const editing = state.editing;
  form.hidden = editing === undefined;
  edit.hidden = !mayEdit || editing !== undefined;
  edit.textContent = info?.topic ? 'Edit topic' : 'Add a topic';
  const privacy = byId('toggle-private', HTMLButtonElement);
  privacy.hidden = !mayEdit;
  const label = info?.private ? 'Make public' : 'Make private';
  if (privacy.textContent !== label) privacy.textContent = label;
  privacy.disabled = state.switching !== undefined && state.switching === room?.name;
  if (!mayEdit) byId('room-settings-error').textContent = '';
  byId('topic-save', HTMLButtonElement).disabled = editing?.saving === true;
  byId('topic-input', HTMLInputElement).readOnly = editing?.saving === true;
  renderDeleteRoom(state, room, chat);
}

/** Leaves the editor; `focusEdit` puts focus back on the button that opened it. */
function close(state: HeaderState, focusEdit: boolean): void {
  state.editing = undefined;
  byId('topic-error').textContent = '';
  byId('topic-form').hidden = true;
  if (focusEdit) {
    const edit = byId('edit-topic', HTMLButtonElement);
    edit.hidden = false;
    edit.focus();
  }
}

/** Wires "Delete room": a confirmation in the header; Escape or Cancel steps back. */
function wireDeleteRoom(state: HeaderState, chat: Chat, render: () => void): void {
  const error = byId('delete-room-error');
  const back = () => {
    state.deleting = undefined;
    error.textContent = '';
    render();
    byId('delete-room').focus();
  };
  byId('delete-room').addEventListener('click', () => {
    const room = chat.currentRoom;
    if (!mayDelete(room, chat)) return;
    state.deleting = { room: room.name, busy: false };
    error.textContent = '';
    render();
    // The safe choice first, as for a message's deletion.
    byId('delete-room-cancel').focus();
  });
  byId('delete-room-cancel').addEventListener('click', back);
  byId('delete-room-confirm').addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      back();
    }
  });
  byId('delete-room-yes').addEventListener('click', () => {
    const target = state.deleting;
    if (!target || target.busy) return;
    target.busy = true;
    error.textContent = '';
    render();
    const settle = (problem: string | undefined) => {
      if (state.deleting !== target) return;
      target.busy = false;
      // Deleted, the room leaves this page too (its `room:removed` says so above the messages).
      if (problem === undefined) state.deleting = undefined;
      else error.textContent = problem;
      render();
      if (problem !== undefined) byId('delete-room-yes').focus();
    };
    chat.moderation.deleteRoom(target.room).then(settle, (err: unknown) => {
      settle(failureText(err));
    });
  });
}

/** Wires "Make private" / "Make public": one click, the room's `moderation` event says it. */
function wirePrivacy(state: HeaderState, chat: Chat, render: () => void): void {
  const error = byId('room-settings-error');
  byId('toggle-private').addEventListener('click', () => {
    const room = chat.currentRoom;
    if (!room?.info || state.switching !== undefined) return;
    const target = room.name;
    state.switching = target;
    error.textContent = '';
    render();
    const settle = (problem: string | undefined) => {
      state.switching = undefined;
      error.textContent = problem ?? '';
      render();
      byId('toggle-private').focus();
    };
    chat.moderation
      .updateRoom(target, { private: !room.info.private })
      .then(settle, (err: unknown) => {
        settle(failureText(err));
      });
  });
}

/** Wires "Edit topic": an editor in the header, Enter saves, Escape cancels. */
function wireTopic(state: HeaderState, chat: Chat, render: () => void): void {
  const form = byId('topic-form', HTMLFormElement);
  const input = byId('topic-input', HTMLInputElement);
  input.maxLength = Limits.topicMaxLength;
  const error = byId('topic-error');
  byId('edit-topic').addEventListener('click', () => {
    const room = chat.currentRoom;
    if (!room) return;
    state.editing = { room: room.name, saving: false };
    input.value = room.info?.topic ?? '';
    error.textContent = '';
    render();
    input.focus();
    input.select();
  });
  const cancel = () => {
    close(state, true);
    render();
  };
  byId('topic-cancel').addEventListener('click', cancel);
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      cancel();
    }
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const target = state.editing;
    if (!target || target.saving) return;
    const topic = input.value.trim();
    if (topic === (chat.rooms.get(target.room)?.info?.topic ?? '')) {
      cancel();
      return;
    }
    target.saving = true;
    error.textContent = '';
    render();
    const settle = (problem: string | undefined) => {
      if (state.editing !== target) return;
      target.saving = false;
      if (problem === undefined) {
        close(state, true);
      } else {
        error.textContent = problem;
        input.focus();
      }
      render();
    };
    chat.moderation.updateRoom(target.room, { topic }).then(settle, (err: unknown) => {
      settle(failureText(err));
    });
  });
}

/**
 * The room header: its topic and lock, and to its owners and moderators "Edit topic" and
 * "Make private" (or public); to operators "Delete room".
 */
export function createRoomHeader(ui: UiState, chat: Chat): Panel {
  wireDeleteRoom(ui.header, chat, ui.redraw);
  wirePrivacy(ui.header, chat, ui.redraw);
  wireTopic(ui.header, chat, ui.redraw);
  return {
    update() {
      renderRoomHeader(ui.header, chat);
    },
  };
}
