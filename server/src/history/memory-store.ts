import type { Message } from '../../../common/contract.js';
import {
  authorOf,
  compareIdKeys,
  createIdClock,
  dedupScope,
  InvalidCursorError,
  parseId,
  type AppendInput,
  type AppendResult,
  type HistoryStore,
  type HistoryStoreOptions,
  type IdKey,
  type Page,
  type Replay,
} from './store.js';

export interface MemoryStoreOptions extends HistoryStoreOptions {
  /** Cap on remembered clientIds across rooms, so a flood cannot grow memory without bound. */
  dedupMaxEntries?: number;
}

interface Entry {
  key: IdKey;
  message: Message;
}

interface RoomLog {
  entries: Entry[];
  /** Highest id trimmed from this room; asking for messages after it loses nothing. */
  lastTrimmed: IdKey | undefined;
}

interface DedupEntry {
  message: Message;
  origin: string;
  expiresAt: number;
}

/**
 * History held in this process: the embedded default. It is lost on restart; the ids
 * carry the time so that ids a client holds from an earlier process are not found again
 * and lead to a reported gap rather than a silent skip.
 */
export function createMemoryHistoryStore(options: MemoryStoreOptions): HistoryStore {
  const now = options.now ?? Date.now;
  const dedupMax = options.dedupMaxEntries ?? 100_000;
  const rooms = new Map<string, RoomLog>();
  // Insertion order is expiry order (constant TTL), so expired entries sit at the front.
  const dedup = new Map<string, DedupEntry>();
  const nextKey = createIdClock(now);

  const sweepDedup = (at: number): void => {
    for (const [key, entry] of dedup) {
      if (entry.expiresAt > at && dedup.size <= dedupMax) break;
      dedup.delete(key);
    }
  };

  // First index whose key is greater than `key`.
  const upperBound = (entries: Entry[], key: IdKey): number => {
    let lo = 0;
    let hi = entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const entry = entries[mid];
      if (entry && compareIdKeys(entry.key, key) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };

  const pageEnding = (entries: Entry[], end: number, limit: number): Page => {
    const start = Math.max(0, end - limit);
    return {
      messages: entries.slice(start, end).map((e) => e.message),
      hasMore: start > 0,
    };
  };

  return {
    append(input: AppendInput): Promise<AppendResult> {
      const at = now();
      sweepDedup(at);
      // Scoped to the author too, so one user's clientId can never shadow another's message.
      const dedupKey = `${input.room}\n${dedupScope(input.author)}\n${input.clientId}`;
      const seen = dedup.get(dedupKey);
      if (seen) {
        return Promise.resolve({ message: seen.message, duplicate: true, origin: seen.origin });
      }

      const key = nextKey();
      const message: Message = {
        id: `${key[0]}-${key[1]}`,
        room: input.room,
        author: authorOf(input.author),
        text: input.text,
        ts: key[0],
      };
      let log = rooms.get(input.room);
      if (!log) {
        log = { entries: [], lastTrimmed: undefined };
        rooms.set(input.room, log);
      }
      const before = log.entries.at(-1)?.key ?? log.lastTrimmed;
      log.entries.push({ key, message });
      while (log.entries.length > options.limit) {
        log.lastTrimmed = log.entries.shift()?.key;
      }
      dedup.set(dedupKey, { message, origin: input.origin, expiresAt: at + options.dedupTtlMs });
      return Promise.resolve({
        message,
        duplicate: false,
        origin: input.origin,
        ...(before ? { prev: `${before[0]}-${before[1]}` } : {}),
      });
    },

    latest(room: string, limit: number): Promise<Page> {
      const entries = rooms.get(room)?.entries ?? [];
      return Promise.resolve(pageEnding(entries, entries.length, limit));
    },

    after(room: string, id: string): Promise<Replay> {
      const key = parseId(id);
      const log = rooms.get(room);
      const unknown: Replay = { messages: [], gap: true, gapReason: 'unknown', hasMore: false };
      if (!key || !log) return Promise.resolve(unknown);
      const index = upperBound(log.entries, key);
      const held = log.entries[index - 1];
      // Continuity holds only from an id this store issued and still knows: the id itself
      // is held, or it is exactly the newest id trimmed away.
      const known =
        (held !== undefined && compareIdKeys(held.key, key) === 0) ||
        (log.lastTrimmed !== undefined && compareIdKeys(log.lastTrimmed, key) === 0);
      if (!known) {
        const trimmed = log.lastTrimmed !== undefined && compareIdKeys(key, log.lastTrimmed) < 0;
        return Promise.resolve(trimmed ? { ...unknown, gapReason: 'trimmed' } : unknown);
      }
      return Promise.resolve({
        messages: log.entries.slice(index).map((e) => e.message),
        gap: false,
        hasMore: index > 0,
      });
    },

    before(room: string, id: string, limit: number): Promise<Page> {
      const key = parseId(id);
      if (!key) return Promise.reject(new InvalidCursorError());
      const entries = rooms.get(room)?.entries ?? [];
      // Index of the first entry not older than `id`.
      const end = upperBound(entries, [key[0], key[1] - 1]);
      return Promise.resolve(pageEnding(entries, end, limit));
    },

    hasRoom(room) {
      return Promise.resolve((rooms.get(room)?.entries.length ?? 0) > 0);
    },
    roomActivity() {
      const activity = new Map<string, number>();
      for (const [room, log] of rooms) {
        const newest = log.entries.at(-1);
        if (newest) activity.set(room, newest.key[0]);
      }
      return Promise.resolve(activity);
    },
    deleteRoom(room) {
      rooms.delete(room);
      for (const key of dedup.keys()) if (key.startsWith(`${room}\n`)) dedup.delete(key);
      return Promise.resolve();
    },
    rooms(): Promise<string[]> {
      return Promise.resolve([...rooms.keys()]);
    },

    close(): Promise<void> {
      rooms.clear();
      dedup.clear();
      return Promise.resolve();
    },
  };
}
