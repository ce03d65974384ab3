import './styles.css';
import { createAuthApi, memberOf } from './model/auth-api.js';
import { Chat, type Transport } from './model/chat.js';
import { loadPrefs, savePrefs } from './model/storage.js';
import { placeInAddress, wireAddress } from './ui/address.js';
import { notifyDirect, notifyMention, wireNotifications } from './ui/notifications.js';
import {
  backToSignIn,
  takeSignedOutReason,
  updateTitle,
  wireAccount,
  wirePageSignals,
} from './ui/session.js';
import { signIn } from './ui/sign-in.js';
import { wireDensity } from './ui/density.js';
import { createUiState } from './ui/ui-state.js';
import { announce, createView } from './ui/view.js';

/** `?transport=websocket` or `?transport=polling` forces one transport, for support and tests. */
function forcedTransports(): Transport[] | undefined {
  const value = new URLSearchParams(location.search).get('transport');
  return value === 'websocket' || value === 'polling' ? [value] : undefined;
}

/** Signs in (if needed), then builds the chat, the page's state and its panels, and starts. */
async function main(): Promise<void> {
  const prefs = loadPrefs();
  wireDensity();
  const api = createAuthApi();
  const reason = takeSignedOutReason();
  const session = await api.session();
  const signingIn = !session.user;
  const user = session.user ?? (await signIn(api, session, reason));
  // Until now only the sign-in screen showed: no sign-out links, no "Connecting…" behind it.
  document.body.classList.remove('signing-in');
  const transports = forcedTransports();
  // A link naming a room opens it: joined with the others, and in view.
  const place = placeInAddress();
  const rooms =
    place && !prefs.rooms.includes(place.room) ? [...prefs.rooms, place.room] : prefs.rooms;
  const chat = new Chat({
    user: memberOf(user),
    rooms,
    current: place?.room ?? prefs.current,
    followServerRooms: true,
    visible: !document.hidden,
    ...(transports ? { transports } : {}),
  });
  const persist = () => {
    savePrefs({ rooms: [...chat.rooms.keys()], current: chat.current });
  };
  const ui = createUiState({
    maxTextLength: session.maxTextLength,
    redraw: () => {
      view.update();
    },
  });
  const view = createView(ui, chat);
  const address = wireAddress(chat, ui);

  chat.subscribe((event) => {
    if (event.type === 'change') {
      view.update();
      persist();
      address.changed();
      updateTitle(chat);
    } else if (event.type === 'incoming') {
      if (event.message.room === chat.current) announce(event.message, chat);
      notifyDirect(chat, event.message);
    } else if (event.type === 'mention') {
      notifyMention(chat, event.message);
    } else if (event.type === 'signed-out') {
      backToSignIn(account.signedOutText(event));
    }
  });
  const account = wireAccount(api, chat);
  wirePageSignals(chat);
  wireNotifications();

  view.update();
  persist();
  chat.start();
  // Who has just signed in came to write: the message box takes the keys. A reload keeps
  // the page's own start, where the skip link is.
  if (signingIn) document.getElementById('composer-input')?.focus();
}

void main();
