import { Limits } from '../../../common/contract.js';
import type { Chat } from '../model/chat.js';
import { byId } from './dom.js';
import { failureText } from './notice-text.js';

/** What the sidebar's join field makes of a typed name: lower case, spaces as hyphens. */
export const roomNameOf = (typed: string): string =>
  typed
    .trim()
    // Rooms are shown as "#name": a name typed that way is the same room.
    .replace(/^#+\s*/, '')
    .toLowerCase()
    .replace(/\s+/g, '-');

export const ROOM_NAME_RULE = 'Room names use 1–64 of a–z, 0–9, _ and -.';

/**
 * "Create a room with settings" in the sidebar: a name, a topic and whether the room is
 * private, sent as `room:create`; the new room is joined and shown. Joining a name nobody
 * uses creates a public room too; this is for a room that must be private from the start.
 */
export function wireCreateRoom(chat: Chat): void {
  const form = byId('create-form', HTMLFormElement);
  const name = byId('create-name', HTMLInputElement);
  const topic = byId('create-topic', HTMLInputElement);
  topic.maxLength = Limits.topicMaxLength;
  const isPrivate = byId('create-private', HTMLInputElement);
  const submit = byId('create-submit', HTMLButtonElement);
  const error = byId('create-error');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const room = roomNameOf(name.value);
    if (!Limits.roomPattern.test(room)) {
      error.textContent = ROOM_NAME_RULE;
      name.focus();
      return;
    }
    error.textContent = '';
    submit.disabled = true;
    const settle = (problem: string | undefined) => {
      submit.disabled = false;
      if (problem !== undefined) {
        error.textContent = problem;
        name.focus();
        return;
      }
      form.reset();
      byId('create-room', HTMLDetailsElement).open = false;
      byId('composer-input').focus();
    };
    chat
      .createRoom(room, { private: isPrivate.checked, topic: topic.value })
      .then(settle, (err: unknown) => {
        settle(failureText(err));
      });
  });
}
