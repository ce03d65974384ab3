import type { Chat, Room } from './chat.js';
import { byId } from './dom.js';

/** The topic being edited, in which room, and whether the change is on its way. */
let editing: { room: string; saving: boolean } | undefined;

/** Shows the room's topic and lock, and "Edit topic" to its owners and moderators. */
export function renderRoomHeader(room: Room | undefined, chat: Chat): void {
  const topic = byId('room-topic');
  const lock = byId('room-lock');
  const edit = byId('edit-topic', HTMLButtonElement);
  const form = byId('topic-form', HTMLFormElement);
  const info = room?.kind === 'room' ? room.info : undefined;
  topic.textContent = info?.topic ?? '';
  topic.hidden = !info?.topic;
  lock.hidden = info?.private !== true;
  const mayEdit = room !== undefined && room.kind === 'room' && chat.roleIn(room.name) !== 'member';
  if (editing && (!mayEdit || editing.room !== room.name)) close(false);
  form.hidden = editing === undefined;
  edit.hidden = !mayEdit || editing !== undefined;
  edit.textContent = info?.topic ? 'Edit topic' : 'Add a topic';
  byId('topic-save', HTMLButtonElement).disabled = editing?.saving === true;
  byId('topic-input', HTMLInputElement).readOnly = editing?.saving === true;
}

/** Leaves the editor; `focusEdit` puts focus back on the button that opened it. */
function close(focusEdit: boolean): void {
  editing = undefined;
  byId('topic-error').textContent = '';
  byId('topic-form').hidden = true;
  if (focusEdit) {
    const edit = byId('edit-topic', HTMLButtonElement);
    edit.hidden = false;
    edit.focus();
  }
}

/** Wires "Edit topic": an editor in the header, Enter saves, Escape cancels. */
export function wireRoomHeader(chat: Chat, render: () => void): void {
  const form = byId('topic-form', HTMLFormElement);
  const input = byId('topic-input', HTMLInputElement);
  const error = byId('topic-error');
  byId('edit-topic').addEventListener('click', () => {
    const room = chat.currentRoom;
    if (!room) return;
    editing = { room: room.name, saving: false };
    input.value = room.info?.topic ?? '';
    error.textContent = '';
    render();
    input.focus();
    input.select();
  });
  const cancel = () => {
    close(true);
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
    const target = editing;
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
      if (editing !== target) return;
      target.saving = false;
      if (problem === undefined) {
        close(true);
      } else {
        error.textContent = problem;
        input.focus();
      }
      render();
    };
    chat.updateRoom(target.room, { topic }).then(settle, () => {
      settle('Something went wrong; try again.');
    });
  });
}
