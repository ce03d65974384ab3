import './styles.css';
import { Limits } from '../../common/contract.js';
import { wireAudit } from './ui/audit-panel.js';
import { AuthError, createAuthApi, memberOf, type AuthApi } from './model/auth-api.js';
import { Chat, type Transport } from './model/chat.js';
import { ROOM_NAME_RULE, roomNameOf, wireCreateRoom } from './ui/create-room.js';
import { wireInvite } from './ui/invite-panel.js';
import { wireOperatorTools } from './ui/operator-tools.js';
import { signIn } from './ui/sign-in.js';
import { loadPrefs, savePrefs } from './model/storage.js';
import { wireMemberActions } from './ui/member-actions.js';
import { cancelReply, replyingTo, wireMessageActions } from './ui/message-actions.js';
import { notifyMention, wireNotifications } from './ui/notifications.js';
import { wireReports } from './ui/reports-panel.js';
import { wireRoomHeader } from './ui/room-header.js';
import { announce, byId, render, wireTimeline } from './ui/view.js';

/** While typing, `typing: true` is repeated this often so that it does not expire, in ms. */
const TYPING_REPEAT_MS = 3000;
/** Typing stops counting this long after the last keystroke, in ms. */
const TYPING_IDLE_MS = 2500;

const prefs = loadPrefs();

/** `?transport=websocket` or `?transport=polling` forces one transport, for support and tests. */
function forcedTransports(): Transport[] | undefined {
  const value = new URLSearchParams(location.search).get('transport');
  return value === 'websocket' || value === 'polling' ? [value] : undefined;
}

/** Asks for a new display name in a modal dialog; resolves with it, or undefined if cancelled. */
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

/** Why the last page was signed out, carried over the reload that follows. */
const SIGNED_OUT_KEY = 'chat.signedOut';

function takeSignedOutReason(): string | undefined {
  try {
    const reason = sessionStorage.getItem(SIGNED_OUT_KEY) ?? undefined;
    sessionStorage.removeItem(SIGNED_OUT_KEY);
    return reason;
  } catch {
    return undefined;
  }
}

/** Starts again from the sign-in screen, saying why. */
function backToSignIn(reason: string): void {
  try {
    sessionStorage.setItem(SIGNED_OUT_KEY, reason);
  } catch {
    // Storage off: the sign-in screen just shows no reason.
  }
  location.reload();
}

function persist(chat: Chat): void {
  savePrefs({ rooms: [...chat.rooms.keys()], current: chat.current });
}

function updateTitle(chat: Chat): void {
  let unread = 0;
  for (const room of chat.rooms.values()) unread += room.unread;
  document.title = unread > 0 ? `(${unread}) Chat` : 'Chat';
}

function wireComposer(chat: Chat): void {
  const form = byId('composer', HTMLFormElement);
  const input = byId('composer-input', HTMLTextAreaElement);
  let typingSince = 0;
  let idle: ReturnType<typeof setTimeout> | undefined;

  const stopTyping = () => {
    clearTimeout(idle);
    if (typingSince !== 0) chat.setTyping(false);
    typingSince = 0;
  };
  const submit = () => {
    if (input.value.trim() === '') return;
    const reply = replyingTo(chat.current);
    chat.send(input.value, chat.current, reply?.id);
    if (reply) cancelReply();
    input.value = '';
    autosize();
    stopTyping();
  };
  const autosize = () => {
    input.style.height = 'auto';
    input.style.height = `${Math.min(input.scrollHeight, 160)}px`;
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submit();
    input.focus();
  });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit();
    } else if (event.key === 'Escape' && replyingTo(chat.current)) {
      event.preventDefault();
      cancelReply();
    }
  });
  byId('reply-cancel').addEventListener('click', () => {
    cancelReply();
    input.focus();
  });
  input.addEventListener('input', () => {
    autosize();
    if (input.value.trim() === '') {
      stopTyping();
      return;
    }
    const now = Date.now();
    if (now - typingSince > TYPING_REPEAT_MS) {
      typingSince = now;
      chat.setTyping(true);
    }
    clearTimeout(idle);
    idle = setTimeout(stopTyping, TYPING_IDLE_MS);
  });
}

function wirePanels(): void {
  for (const [buttonId, panelId] of [
    ['toggle-rooms', 'rooms-panel'],
    ['toggle-members', 'members-panel'],
  ] as const) {
    const button = byId(buttonId, HTMLButtonElement);
    const panel = byId(panelId);
    button.addEventListener('click', () => {
      const open = button.getAttribute('aria-expanded') !== 'true';
      button.setAttribute('aria-expanded', String(open));
      panel.classList.toggle('open', open);
    });
    // On a phone the panel covers the chat: picking a room or a person to write to closes it.
    panel.addEventListener('click', (event) => {
      if (
        event.target instanceof Element &&
        event.target.closest('.room-button, .member-message')
      ) {
        button.setAttribute('aria-expanded', 'false');
        panel.classList.remove('open');
      }
    });
  }
}

async function main(): Promise<void> {
  const api = createAuthApi();
  const reason = takeSignedOutReason();
  const session = await api.session();
  const user = session.user ?? (await signIn(api, session, reason));
  const chat = new Chat({
    user: memberOf(user),
    rooms: prefs.rooms,
    current: prefs.current,
    visible: !document.hidden,
    ...(forcedTransports() ? { transports: forcedTransports() } : {}),
  });

  chat.subscribe((event) => {
    if (event.type === 'change') {
      render(chat);
      persist(chat);
      updateTitle(chat);
    } else if (event.type === 'incoming') {
      if (event.message.room === chat.current) announce(event.message, chat);
    } else if (event.type === 'mention') {
      notifyMention(chat, event.message);
    } else if (event.type === 'signed-out') {
      backToSignIn(event.message);
    }
  });

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
  byId('leave-room').addEventListener('click', () => {
    if (chat.current !== undefined) void chat.leave(chat.current);
  });
  byId('load-earlier').addEventListener('click', () => {
    void chat.loadEarlier();
  });
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
  document.addEventListener('visibilitychange', () => {
    chat.setVisible(!document.hidden);
  });
  window.addEventListener('offline', () => {
    chat.setOnline(false);
  });
  window.addEventListener('online', () => {
    chat.setOnline(true);
  });
  wireComposer(chat);
  wirePanels();
  wireTimeline(chat);
  wireMessageActions(() => {
    render(chat);
  });
  wireMemberActions(() => {
    render(chat);
  });
  wireRoomHeader(chat, () => {
    render(chat);
  });
  wireReports(chat, () => {
    render(chat);
  });
  wireInvite(chat, () => {
    render(chat);
  });
  wireAudit(chat, () => {
    render(chat);
  });
  wireCreateRoom(chat);
  wireOperatorTools(chat);
  byId('chat-alert-dismiss').addEventListener('click', () => {
    chat.dismissJoinError();
    byId('composer-input').focus();
  });
  wireNotifications();

  render(chat);
  persist(chat);
  chat.start();
}

void main();
