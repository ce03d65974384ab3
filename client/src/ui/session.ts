import { AuthError, memberOf, type AuthApi } from '../model/auth-api.js';
import type { Chat } from '../model/chat.js';
import type { SessionEnd } from '../model/notices.js';
import { sessionEndText } from './notice-text.js';
import { byId } from './dom.js';
import { DELETED_USER_NAME } from '../../../common/contract.js';

/** Why the last page was signed out, carried over the reload that follows. */
const SIGNED_OUT_KEY = 'chat.signedOut';

/** The reason the last page left for this one, read once. */
export function takeSignedOutReason(): string | undefined {
  try {
    const reason = sessionStorage.getItem(SIGNED_OUT_KEY) ?? undefined;
    sessionStorage.removeItem(SIGNED_OUT_KEY);
    return reason;
  } catch {
    return undefined;
  }
}

/** Starts again from the sign-in screen, saying why. */
export function backToSignIn(reason: string): void {
  try {
    sessionStorage.setItem(SIGNED_OUT_KEY, reason);
  } catch {
    // Storage off: the sign-in screen just shows no reason.
  }
  location.reload();
}

/** Asks for a new display name in a modal dialog, and renames the user when it changed. */
function askName(current: string, api: AuthApi, chat: Chat): void {
  const dialog = byId('name-dialog', HTMLDialogElement);
  const form = byId('name-form', HTMLFormElement);
  const input = byId('name-input', HTMLInputElement);
  const error = byId('name-error');
  input.value = current;
  error.textContent = '';
  const onSubmit = (event: SubmitEvent) => {
    event.preventDefault();
    if (input.value.trim() === current) {
      dialog.close();
      return;
    }
    api.rename({ name: input.value }).then(
      (user) => {
        chat.renamed(memberOf(user));
        dialog.close();
      },
      (err: unknown) => {
        error.textContent = err instanceof AuthError ? err.message : 'Could not change the name.';
        input.focus();
      },
    );
  };
  form.addEventListener('submit', onSubmit);
  dialog.addEventListener(
    'close',
    () => {
      form.removeEventListener('submit', onSubmit);
    },
    { once: true },
  );
  byId('name-cancel').onclick = () => {
    dialog.close();
  };
  dialog.showModal();
  input.focus();
}

/** The "Account" dialog: change the password, which signs out the account's other sessions. */
function wirePasswordForm(api: AuthApi): void {
  const dialog = byId('account-dialog', HTMLDialogElement);
  const current = byId('current-password', HTMLInputElement);
  const next = byId('new-password', HTMLInputElement);
  const error = byId('password-error');
  const done = byId('password-done');
  byId('account').addEventListener('click', () => {
    error.textContent = '';
    done.textContent = '';
    dialog.showModal();
    current.focus();
  });
  byId('account-close').addEventListener('click', () => {
    dialog.close();
  });
  byId('password-form', HTMLFormElement).addEventListener('submit', (event) => {
    event.preventDefault();
    error.textContent = '';
    done.textContent = '';
    api.changePassword({ currentPassword: current.value, newPassword: next.value }).then(
      () => {
        current.value = '';
        next.value = '';
        done.textContent =
          'Password changed. Your other devices and browsers are signed out; this one stays signed in.';
      },
      (err: unknown) => {
        error.textContent =
          err instanceof AuthError ? err.message : 'Could not change the password.';
        current.focus();
      },
    );
  });
}

const DELETED_TEXT = 'Your account was deleted.';

/**
 * The "Account" dialog's last part: deleting the account, after saying what that does.
 * Returns whether a deletion is under way: this page's own `session:ended` may come before
 * the answer, and must then read as the deletion, not as a plain sign-out.
 */
function wireDeleteForm(api: AuthApi, chat: Chat): () => boolean {
  const password = byId('delete-password', HTMLInputElement);
  const error = byId('delete-error');
  let deleting = false;
  byId('deleted-user-name').textContent = DELETED_USER_NAME;
  byId('account').addEventListener('click', () => {
    error.textContent = '';
  });
  byId('delete-form', HTMLFormElement).addEventListener('submit', (event) => {
    event.preventDefault();
    error.textContent = '';
    deleting = true;
    api.deleteAccount({ password: password.value }).then(
      () => {
        if (chat.signedOut !== undefined) return;
        chat.stop();
        backToSignIn(DELETED_TEXT);
      },
      (err: unknown) => {
        deleting = false;
        error.textContent =
          err instanceof AuthError ? err.message : 'Could not delete the account.';
        password.focus();
      },
    );
  });
  return () => deleting;
}

/** The account's controls: rename, the account dialog, sign out here, sign out everywhere. */
export function wireAccount(
  api: AuthApi,
  chat: Chat,
): { signedOutText: (end: SessionEnd) => string } {
  // Guests have no password to change.
  byId('account').hidden = chat.user.guest === true;
  wirePasswordForm(api);
  const deleting = wireDeleteForm(api, chat);
  byId('rename').addEventListener('click', () => {
    askName(chat.user.name, api, chat);
  });
  const signOut = (everywhere: boolean) => {
    chat.stop();
    (everywhere ? api.logoutAll() : api.logout()).then(
      () => {
        backToSignIn(everywhere ? 'You signed out on every device.' : 'You signed out.');
      },
      () => {
        backToSignIn('You signed out.');
      },
    );
  };
  byId('sign-out').addEventListener('click', () => {
    signOut(false);
  });
  byId('sign-out-all').addEventListener('click', () => {
    signOut(true);
  });
  return {
    signedOutText: (end) => (deleting() ? DELETED_TEXT : sessionEndText(end)),
  };
}

/** The page's title counts what is unread in every room. */
export function updateTitle(chat: Chat): void {
  let unread = 0;
  for (const room of chat.rooms.values()) unread += room.unread;
  document.title = unread > 0 ? `(${unread}) Chat` : 'Chat';
}

/** The page tells the chat when it is hidden or shown, and when the network comes and goes. */
export function wirePageSignals(chat: Chat): void {
  document.addEventListener('visibilitychange', () => {
    chat.setVisible(!document.hidden);
  });
  window.addEventListener('offline', () => {
    chat.setOnline(false);
  });
  window.addEventListener('online', () => {
    chat.setOnline(true);
  });
}
