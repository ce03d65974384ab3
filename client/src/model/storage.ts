import { DEFAULT_ROOM, Limits } from '../../../common/contract.js';

/** What survives a page reload: the joined rooms and the room in view. */
export interface Prefs {
  rooms: string[];
  current: string | undefined;
}

const KEY = 'chat.prefs.v1';

export function loadPrefs(storage: Storage = localStorage): Prefs {
  const fallback: Prefs = { rooms: [DEFAULT_ROOM], current: DEFAULT_ROOM };
  try {
    const raw = storage.getItem(KEY);
    if (raw === null) return fallback;
    const parsed = JSON.parse(raw) as Partial<Record<keyof Prefs, unknown>>;
    const rooms = Array.isArray(parsed.rooms)
      ? parsed.rooms.filter((r): r is string => typeof r === 'string' && Limits.roomPattern.test(r))
      : fallback.rooms;
    const current =
      typeof parsed.current === 'string' && rooms.includes(parsed.current)
        ? parsed.current
        : rooms[0];
    return {
      rooms,
      current,
    };
  } catch {
    // Storage can be disabled or hold junk from another version: start afresh.
    return fallback;
  }
}

export function savePrefs(prefs: Prefs, storage: Storage = localStorage): void {
  try {
    storage.setItem(KEY, JSON.stringify(prefs));
  } catch {
    // Private mode or a full quota: the chat works, it just forgets on reload.
  }
}

/** How this browser last signed in: with an account, or as a guest. */
export type SignInWay = 'account' | 'guest';

const WAY_KEY = 'chat.signInWay.v1';

/** How this browser signed in last, if it ever did: the sign-in screen opens on that way. */
export function loadSignInWay(storage: Storage = localStorage): SignInWay | undefined {
  try {
    const way = storage.getItem(WAY_KEY);
    return way === 'account' || way === 'guest' ? way : undefined;
  } catch {
    return undefined;
  }
}

export function saveSignInWay(way: SignInWay, storage: Storage = localStorage): void {
  try {
    storage.setItem(WAY_KEY, way);
  } catch {
    // Storage off: the screen opens on its default next time.
  }
}

/** The density of the timeline: the default rows, or compact ones (no bubbles, name inline). */
export type Density = 'default' | 'compact';

const DENSITY_KEY = 'chat.density.v1';

export function loadDensity(storage: Storage = localStorage): Density {
  try {
    return storage.getItem(DENSITY_KEY) === 'compact' ? 'compact' : 'default';
  } catch {
    return 'default';
  }
}

export function saveDensity(density: Density, storage: Storage = localStorage): void {
  try {
    storage.setItem(DENSITY_KEY, density);
  } catch {
    // Storage off: the choice holds until the page is reloaded.
  }
}
