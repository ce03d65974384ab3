import './styles.css';
import { Limits } from '../../common/contract.js';
import { Chat, type Transport } from './chat.js';
import { loadPrefs, savePrefs } from './storage.js';
import { announce, byId, render } from './view.js';

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

function checkName(raw: string): string | undefined {
  const name = raw.trim();
  if (name === '') return 'Please enter a name.';
  if (Array.from(name).length > Limits.nameMaxLength) {
    return `At most ${Limits.nameMaxLength} characters, please.`;
  }
  return undefined;
}

/** Asks for a name in a modal dialog; resolves with the accepted name. */
function askName(current: string | undefined, problem?: string): Promise<string> {
  const dialog = byId('name-dialog', HTMLDialogElement);
  const form = byId('name-form', HTMLFormElement);
  const input = byId('name-input', HTMLInputElement);
  const error = byId('name-error');
  input.value = current ?? '';
  error.textContent = problem ?? '';
  dialog.showModal();
  input.focus();
  return new Promise((resolve) => {
    const onSubmit = (event: SubmitEvent) => {
      event.preventDefault();
      const invalid = checkName(input.value);
      if (invalid) {
        error.textContent = invalid;
        input.focus();
        return;
      }
      form.removeEventListener('submit', onSubmit);
      dialog.close();
      resolve(input.value.trim());
    };
    form.addEventListener('submit', onSubmit);
    // Escape must not leave the page without a name on first visit.
    dialog.addEventListener('cancel', (event) => {
      if (current === undefined) event.preventDefault();
    });
  });
}

function persist(chat: Chat): void {
  savePrefs({ name: chat.name, rooms: [...chat.rooms.keys()], current: chat.current });
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
    chat.send(input.value);
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
    }
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
    // On a phone the panel covers the chat: picking a room closes it.
    panel.addEventListener('click', (event) => {
      if (event.target instanceof Element && event.target.closest('.room-button')) {
        button.setAttribute('aria-expanded', 'false');
        panel.classList.remove('open');
      }
    });
  }
}

async function main(): Promise<void> {
  const name = prefs.name ?? (await askName(undefined));
  const chat = new Chat({
    name,
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
      if (event.message.room === chat.current) announce(event.message);
    } else if (event.type === 'name-refused') {
      void askName(chat.name, `The server refused this name: ${event.reason}`).then((n) => {
        chat.rename(n);
      });
    }
  });

  byId('join-form', HTMLFormElement).addEventListener('submit', (event) => {
    event.preventDefault();
    const input = byId('join-input', HTMLInputElement);
    const room = input.value.trim().toLowerCase().replace(/\s+/g, '-');
    if (!Limits.roomPattern.test(room)) {
      byId('join-error').textContent = 'Room names use 1–64 of a–z, 0–9, _ and -.';
      return;
    }
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
    void askName(chat.name).then((n) => {
      if (n !== chat.name) chat.rename(n);
    });
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

  render(chat);
  persist(chat);
  chat.start();
}

void main();
