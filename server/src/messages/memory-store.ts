import type { Message } from '../../../common/contract.js';
import { goneQuote } from './quotes.js';
import {
  applyChange,
  authorOf,
  compareIdKeys,
  idOf,
  positionOf,
  createIdClock,
  dedupScope,
  InvalidCursorError,
  parseId,
  type AppendInput,
  type AppendResult,
  type HistoryStore,
  type HistoryStoreOptions,
  type IdKey,
  type MessageChange,
  type ChangeOutcome,
  type Page,
  type Replay,
  sumCounts,
} from './store.js';

export interface MemoryStoreOptions extends HistoryStoreOptions {
  /** Memory is bounded: a room keeps at most this many entries (see HistoryStoreOptions). */
  limit: number;
  /** Cap on remembered clientIds across rooms, so a flood cannot grow memory without bound. */
  dedupMaxEntries?: number;
}

interface Entry {
  key: IdKey;
  message: Message;
}

interface RoomLog {
  /** Messages in id order, each as it is now. */
  entries: Entry[];
  /** Positions of changes, in order, as many as messages may be held. */
  changes: IdKey[];
  /** Newest message trimmed from this room; asking for what came after it loses nothing. */
  lastTrimmed: IdKey | undefined;
  /** Newest change position trimmed. */
  lastChangeTrimmed: IdKey | undefined;
  /** The room's newest position. */
  head: IdKey | undefined;
}

interface DedupEntry {
  message: Message;
  origin: string;
  expiresAt: number;
}

const keyOfPosition = (message: Message): IdKey => parseId(positionOf(message)) ?? [0, 0];
const isAfter = (message: Message, key: IdKey): boolean =>
  compareIdKeys(keyOfPosition(message), key) > 0;

/**
 * History held in this process: the embedded default. It is lost on restart; the ids
 * carry the time so that ids a client holds from an earlier process are not found again
 * and lead to a reported gap rather than a silent skip.
 */
// eslint-disable-next-line max-lines-per-function -- a factory of small closures (its methods), each well under the limit
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
  const upperBound = <T>(items: T[], key: IdKey, keyOf: (item: T) => IdKey): number => {
    let lo = 0;
    let hi = items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const item = items[mid];
      if (item !== undefined && compareIdKeys(keyOf(item), key) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const entryKey = (e: Entry) => e.key;
  const itself = (k: IdKey) => k;

  /** Drops the oldest messages and change positions past the limit. */
  const trim = (log: RoomLog): void => {
    while (log.entries.length > options.limit) log.lastTrimmed = log.entries.shift()?.key;
    while (log.changes.length > options.limit) log.lastChangeTrimmed = log.changes.shift();
  };

  const find = (room: string, id: string): Entry | undefined => {
    const key = parseId(id);
    const entries = rooms.get(room)?.entries;
    if (!key || !entries) return undefined;
    const entry = entries[upperBound(entries, key, entryKey) - 1];
    return entry && compareIdKeys(entry.key, key) === 0 ? entry : undefined;
  };

  /** What outlives messages up to `edge` once purged: their clientIds and their words in quotes. */
  const forgetPurged = (room: string, log: RoomLog, edge: IdKey): void => {
    const purged = (id: string) => compareIdKeys(parseId(id) ?? [0, 0], edge) <= 0;
    for (const [key, entry] of dedup)
      if (entry.message.room === room && purged(entry.message.id)) dedup.delete(key);
    for (const entry of log.entries) {
      const quote = entry.message.replyTo;
      if (quote && !quote.deleted && purged(quote.id))
        entry.message = { ...entry.message, replyTo: goneQuote(quote) };
    }
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
        id: idOf(key),
        room: input.room,
        author: authorOf(input.author),
        text: input.text,
        ts: key[0],
        ...(input.replyTo ? { replyTo: input.replyTo } : {}),
        ...(input.mentions?.length ? { mentions: input.mentions } : {}),
      };
      let log = rooms.get(input.room);
      if (!log) {
        log = {
          entries: [],
          changes: [],
          lastTrimmed: undefined,
          lastChangeTrimmed: undefined,
          head: undefined,
        };
        rooms.set(input.room, log);
      }
      const before = log.head ?? log.lastTrimmed;
      log.entries.push({ key, message });
      log.head = key;
      trim(log);
      dedup.set(dedupKey, { message, origin: input.origin, expiresAt: at + options.dedupTtlMs });
      return Promise.resolve({
        message,
        duplicate: false,
        origin: input.origin,
        ...(before ? { prev: idOf(before) } : {}),
      });
    },

    latest(room: string, limit: number): Promise<Page> {
      const log = rooms.get(room);
      const entries = log?.entries ?? [];
      const page = pageEnding(entries, entries.length, limit);
      return Promise.resolve(log?.head ? { ...page, head: idOf(log.head) } : page);
    },

    unread(room, position, userId) {
      const entries = rooms.get(room)?.entries ?? [];
      const key = position === undefined ? undefined : parseId(position);
      const start = key ? upperBound(entries, key, entryKey) : 0;
      return Promise.resolve(
        sumCounts(
          entries.slice(start).map((e) => e.message),
          userId,
        ),
      );
    },

    get(room: string, id: string): Promise<Message | undefined> {
      return Promise.resolve(find(room, id)?.message);
    },

    change(room: string, id: string, change: MessageChange): Promise<ChangeOutcome> {
      const entry = find(room, id);
      const log = rooms.get(room);
      if (!entry || !log) return Promise.resolve({ status: 'refused', reason: 'not_found' });
      const result = applyChange(entry.message, change);
      if ('refused' in result)
        return Promise.resolve({ status: 'refused', reason: result.refused });
      if ('unchanged' in result) {
        return Promise.resolve({ status: 'unchanged', message: entry.message });
      }
      const before = log.head;
      const key = nextKey();
      entry.message = { ...result.message, pos: idOf(key) };
      log.changes.push(key);
      log.head = key;
      const message = entry.message;
      trim(log);
      return Promise.resolve({
        status: 'changed',
        message,
        ...(before ? { prev: idOf(before) } : {}),
      });
    },

    after(room: string, id: string, limit?: number): Promise<Replay> {
      const key = parseId(id);
      const log = rooms.get(room);
      const unknown: Replay = { messages: [], gap: true, gapReason: 'unknown', hasMore: false };
      if (!key || !log) return Promise.resolve(unknown);
      const index = upperBound(log.entries, key, entryKey);
      const held = log.entries[index - 1];
      const change = log.changes[upperBound(log.changes, key, itself) - 1];
      const same = (a: IdKey | undefined) => a !== undefined && compareIdKeys(a, key) === 0;
      const olderThan = (edge: IdKey | undefined) =>
        edge !== undefined && compareIdKeys(key, edge) < 0;
      // Messages after the position were trimmed away: it cannot be caught up from.
      if (olderThan(log.lastTrimmed)) return Promise.resolve({ ...unknown, gapReason: 'trimmed' });
      // Otherwise continuity holds only from a position this store issued and still knows:
      // a held message's, a held change's, or exactly the newest one trimmed away.
      const known =
        same(held?.key) || same(change) || same(log.lastTrimmed) || same(log.lastChangeTrimmed);
      if (!known) {
        const trimmed = olderThan(log.lastChangeTrimmed);
        return Promise.resolve(trimmed ? { ...unknown, gapReason: 'trimmed' } : unknown);
      }
      // Messages created after the position, and older ones changed after it.
      const messages = log.entries
        .filter((e, i) => i >= index || (e.message.pos !== undefined && isAfter(e.message, key)))
        .map((e) => e.message)
        .sort((a, b) => compareIdKeys(keyOfPosition(a), keyOfPosition(b)));
      if (limit !== undefined && messages.length > limit)
        return Promise.resolve({ ...unknown, gapReason: 'too_many' });
      return Promise.resolve({
        messages,
        gap: false,
        hasMore: index > 0,
        ...(log.head ? { head: idOf(log.head) } : {}),
      });
    },

    before(room: string, id: string, limit: number): Promise<Page> {
      const key = parseId(id);
      if (!key) return Promise.reject(new InvalidCursorError());
      const entries = rooms.get(room)?.entries ?? [];
      // Index of the first entry not older than `id`.
      const end = upperBound(entries, [key[0], key[1] - 1], entryKey);
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
    purge(room, beforeMs, max) {
      const log = rooms.get(room);
      let messages = 0;
      let changes = 0;
      if (!log) return Promise.resolve({ messages, changes });
      for (let e = log.entries[0]; e && e.key[0] < beforeMs && messages < max; e = log.entries[0]) {
        log.lastTrimmed = log.entries.shift()?.key;
        messages++;
      }
      for (let c = log.changes[0]; c && c[0] < beforeMs && changes < max; c = log.changes[0]) {
        log.lastChangeTrimmed = log.changes.shift();
        changes++;
      }
      const edge = log.lastTrimmed;
      if (messages > 0 && edge) forgetPurged(room, log, edge);
      return Promise.resolve({ messages, changes });
    },

    close(): Promise<void> {
      rooms.clear();
      dedup.clear();
      return Promise.resolve();
    },
  };
}
