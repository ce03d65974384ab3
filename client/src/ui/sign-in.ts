import type { PublicUser } from '../../../common/contract.js';
import { AuthError, type AuthApi } from '../model/auth-api.js';
import { loadSignInWay, saveSignInWay, type SignInWay } from '../model/storage.js';
import { byId } from './dom.js';

type Mode = 'login' | 'signup' | 'guest';

/**
 * The way the screen opens on: as a guest where guests may chat, unless this browser last
 * signed in with an account (its holder should not be offered to become a guest first).
 */
export const firstMode = (guests: boolean, last: SignInWay | undefined): Mode =>
  guests && last !== 'account' ? 'guest' : 'login';

const SUBMIT_LABELS: Record<Mode, string> = {
  login: 'Sign in',
  signup: 'Create account',
  guest: 'Continue as guest',
};

/**
 * The sign-in screen: sign in, create an account, or (when the server allows) continue as
 * a guest. Resolves with the signed-in user; `reason` says why the person is here again
 * (their session ended while the page was open).
 */
export function signIn(
  api: AuthApi,
  methods: { guests: boolean },
  reason: string | undefined,
): Promise<PublicUser> {
  const dialog = byId('auth-dialog', HTMLDialogElement);
  const form = byId('auth-form', HTMLFormElement);
  const error = byId('auth-error');
  const submit = byId('auth-submit', HTMLButtonElement);
  const username = byId('auth-username', HTMLInputElement);
  const password = byId('auth-password', HTMLInputElement);
  const display = byId('auth-display', HTMLInputElement);
  const guestName = byId('auth-guest-name', HTMLInputElement);
  const modeButtons = [...form.querySelectorAll<HTMLButtonElement>('button.mode')];
  let mode: Mode = firstMode(methods.guests, loadSignInWay());

  byId('auth-reason').textContent = reason ?? '';
  const setMode = (next: Mode) => {
    mode = next;
    for (const button of modeButtons) {
      button.setAttribute('aria-pressed', String(button.dataset.mode === mode));
      if (button.dataset.mode === 'guest') button.hidden = !methods.guests;
    }
    for (const group of form.querySelectorAll<HTMLElement>('.auth-fields')) {
      group.hidden = !(group.dataset.for ?? '').split(' ').includes(mode);
    }
    password.autocomplete = mode === 'signup' ? 'new-password' : 'current-password';
    submit.textContent = SUBMIT_LABELS[mode];
    error.textContent = '';
    (mode === 'guest' ? guestName : username).focus();
  };
  for (const button of modeButtons) {
    button.addEventListener('click', () => {
      setMode(button.dataset.mode as Mode);
    });
  }
  // There is no chat without signing in: Escape must not close the screen.
  dialog.addEventListener('cancel', (event) => {
    event.preventDefault();
  });
  dialog.showModal();
  setMode(mode);

  return new Promise((resolve) => {
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      if (submit.disabled) return;
      submit.disabled = true;
      error.textContent = '';
      const attempt =
        mode === 'guest'
          ? api.guest({ name: guestName.value })
          : mode === 'signup'
            ? api.signup({
                username: username.value,
                password: password.value,
                ...(display.value.trim() === '' ? {} : { displayName: display.value }),
              })
            : api.login({ username: username.value, password: password.value });
      attempt.then(
        (user) => {
          saveSignInWay(mode === 'guest' ? 'guest' : 'account');
          dialog.close();
          password.value = '';
          resolve(user);
        },
        (err: unknown) => {
          submit.disabled = false;
          error.textContent =
            err instanceof AuthError ? err.message : 'Something went wrong; please try again.';
        },
      );
    });
  });
}
