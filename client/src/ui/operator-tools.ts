import type { Chat } from '../model/chat.js';
import { byId } from './dom.js';
import type { Panel } from './ui-state.js';
import { failureText } from './notice-text.js';

/**
 * The operators' tools in the sidebar: lifting an account's suspension by username (a
 * suspended user is in no member list). Suspending is in a member's moderation tools.
 */
export function createOperatorTools(chat: Chat): Panel {
  const form = byId('unsuspend-form', HTMLFormElement);
  const input = byId('unsuspend-username', HTMLInputElement);
  const submit = byId('unsuspend-submit', HTMLButtonElement);
  const status = byId('unsuspend-status');
  const error = byId('unsuspend-error');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const username = input.value.trim();
    status.textContent = '';
    error.textContent = '';
    if (username === '') {
      error.textContent = 'Type the username of the suspended account.';
      input.focus();
      return;
    }
    submit.disabled = true;
    const settle = (problem: string | undefined) => {
      submit.disabled = false;
      if (problem === undefined) {
        status.textContent = `${username} may sign in again.`;
        input.value = '';
      } else {
        error.textContent = problem;
      }
      input.focus();
    };
    chat.moderation.liftSuspension(username).then(settle, (err: unknown) => {
      settle(failureText(err));
    });
  });
  return {
    update() {
      byId('operator-tools').hidden = !chat.operator;
    },
  };
}
