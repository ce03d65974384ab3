import type { Author, GapReason, Member, Message, ReplyQuote } from '../../../common/contract.js';

/**
 * Who a clientId belongs to, for dedup: the author's id, so that nobody can get someone
 * else's message back as theirs. Bots' ids (`bot:<name>`) cannot be a user's.
 */
export const dedupScope = (author: Author): string => author.id;

/** The id of the push API's author of this name. */
export const botId = (name: string): string => `bot:${name}`;

/**
 * A copy of an author with only the contract's fields. Messages stored before authors had
 * ids get one made from the name, which no user id or bot id can equal.
 */
export const authorOf = (author: Partial<Author> & { name: string }): Author => ({
  id: author.id || (author.bot ? botId(author.name) : `legacy:${author.name}`),
  name: author.name,
  ...(author.guest ? { guest: true as const } : {}),
  ...(author.bot ? { bot: true as const } : {}),
});

export interface AppendInput {
  room: string;
  author: Author;
  text: string;
  /** Retries of one message carry the same clientId; the store keeps the first only. */
  clientId: string;
  /** The connection that sent it (a socket id, or the push API): see AppendResult.origin. */
  origin: string;
  /** The message it answers, as quoted. */
  replyTo?: ReplyQuote;
  /** The users it mentions. */
  mentions?: Member[];
}

/** What a user has not read in a room: messages of others after a position, and those naming them. */
export interface UnreadCount {
  unread: number;
  mentions: number;
}

/** Whether a held message counts as unread for `userId` (someone else's, not deleted). */
export const countsFor = (m: Message, userId: string): UnreadCount => {
  if (m.author.id === userId || m.deleted) return { unread: 0, mentions: 0 };
  return { unread: 1, mentions: m.mentions?.some((u) => u.id === userId) ? 1 : 0 };
};

export const sumCounts = (messages: Message[], userId: string): UnreadCount =>
  messages.reduce(
    (sum, m) => {
      const c = countsFor(m, userId);
      return { unread: sum.unread + c.unread, mentions: sum.mentions + c.mentions };
    },
    { unread: 0, mentions: 0 },
  );

export interface AppendResult {
  message: Message;
  /**
   * For a new message, the id of the room's message stored just before it (undefined for a
   * room's first). Live broadcasts carry it so that a client can tell it missed one.
   */
  prev?: string;
  /** True when this clientId was already stored in this room: nothing new was written. */
  duplicate: boolean;
  /**
   * The connection that stored the message first. A retry from that same connection needs
   * no second broadcast; one from elsewhere may follow a node that died between storing
   * and broadcasting.
   */
  origin: string;
}

export interface Page {
  /** Oldest first. */
  messages: Message[];
  /** Older messages exist before the first one returned. */
  hasMore: boolean;
  /** `latest` only: the room's newest position, a message's or a change's. */
  head?: string;
}

export interface Replay {
  /**
   * Every held message created or changed after the given position, as it is now, in the
   * order of its latest position; at most the limit asked for (past it, `gap` with
   * `too_many`). Empty when `gap` is true.
   */
  messages: Message[];
  /** The messages right after the given id are no longer held (trimmed or lost). */
  gap: boolean;
  /** With `gap`: `trimmed` when the id is older than what was trimmed away, else `unknown`. */
  gapReason?: GapReason;
  /** Messages at or before the given id are still held (meaningless when `gap`). */
  hasMore: boolean;
  /** The room's newest position. */
  head?: string;
}

/** A change to a held message, by a user; the store checks that they may make it. */
export type MessageChange =
  | { kind: 'edit'; by: string; text: string; at: number }
  /** `moderator`: by a moderator of the room, who may delete anyone's message. */
  | { kind: 'delete'; by: string; at: number; moderator?: true }
  | { kind: 'react'; by: Member; emoji: string; add: boolean; maxEmoji: number };

export type ChangeRefusal = 'not_found' | 'not_allowed' | 'deleted' | 'too_many_reactions';

export type ChangeOutcome =
  /** Stored at `message.pos`; `prev` is the room's position before it. */
  | { status: 'changed'; message: Message; prev?: string }
  /** Nothing to do (a reaction already there, or one not there to take back). */
  | { status: 'unchanged'; message: Message }
  | { status: 'refused'; reason: ChangeRefusal };

/** What a change does to a message, the same in every store; `pos` is left to the store. */
export function applyChange(
  message: Message,
  change: MessageChange,
): { message: Message } | { unchanged: true } | { refused: ChangeRefusal } {
  if (message.deleted) return { refused: 'deleted' };
  if (change.kind === 'edit' || change.kind === 'delete') {
    const byModerator = change.kind === 'delete' && change.moderator === true;
    if (message.author.id !== change.by && !byModerator) return { refused: 'not_allowed' };
    if (change.kind === 'edit') {
      if (change.text === message.text) return { unchanged: true };
      return { message: { ...message, text: change.text, editedAt: change.at } };
    }
    const { reactions: _reactions, ...rest } = message;
    const removed = message.author.id !== change.by ? { removedByModerator: true as const } : {};
    return { message: { ...rest, text: '', deleted: true, ...removed } };
  }
  const reactions = message.reactions ?? [];
  const index = reactions.findIndex((r) => r.emoji === change.emoji);
  const current = reactions[index];
  const mine = current?.users.some((u) => u.id === change.by.id) ?? false;
  if (mine === change.add) return { unchanged: true };
  let next: typeof reactions;
  if (change.add) {
    if (!current && reactions.length >= change.maxEmoji) return { refused: 'too_many_reactions' };
    const by = {
      id: change.by.id,
      name: change.by.name,
      ...(change.by.guest ? { guest: true as const } : {}),
    };
    next = current
      ? reactions.map((r, i) => (i === index ? { ...r, users: [...r.users, by] } : r))
      : [...reactions, { emoji: change.emoji, users: [by] }];
  } else {
    next = reactions
      .map((r, i) =>
        i === index ? { ...r, users: r.users.filter((u) => u.id !== change.by.id) } : r,
      )
      .filter((r) => r.users.length > 0);
  }
  const { reactions: _old, ...rest } = message;
  return { message: next.length > 0 ? { ...rest, reactions: next } : rest };
}

/**
 * Message history per room. Every call is async and the store, not the caller, makes the
 * ids, so a Redis Streams implementation fits behind the same interface.
 */
export interface HistoryStore {
  /** Stores a message, or returns the stored one when this author sent its clientId to this room. */
  append(input: AppendInput): Promise<AppendResult>;
  /** The newest `limit` messages, as they are now, with the room's newest position. */
  latest(room: string, limit: number): Promise<Page>;
  /** One held message as it is now. */
  get(room: string, id: string): Promise<Message | undefined>;
  /**
   * The held messages created after `position` (all held without one) that count as unread
   * for `userId`: others' messages, tombstones excepted; and how many of them name the user.
   */
  unread(room: string, position: string | undefined, userId: string): Promise<UnreadCount>;
  /**
   * Applies a change to a held message atomically (two users reacting at once on two nodes
   * both count) and gives it the room's next position.
   */
  change(room: string, id: string, change: MessageChange): Promise<ChangeOutcome>;
  /**
   * Every held message created or changed after position `id`, or `gap` when continuity from
   * `id` cannot be proved, or (`too_many`) when more than `limit` were.
   */
  after(room: string, id: string, limit?: number): Promise<Replay>;
  /** The newest `limit` messages older than `id`. Throws InvalidCursorError for a malformed id. */
  before(room: string, id: string, limit: number): Promise<Page>;
  /** Rooms that hold at least one message. */
  rooms(): Promise<string[]>;
  /** True when the room holds at least one message. */
  hasRoom(room: string): Promise<boolean>;
  /** Each room that holds messages, with the time of its newest, in ms since the epoch. */
  roomActivity(): Promise<Map<string, number>>;
  /** Forgets a room: its messages and what its retries would match. */
  deleteRoom(room: string): Promise<void>;
  /**
   * Deletes at most `max` of the room's oldest messages sent before `beforeMs` (ms since the
   * epoch), with what is theirs: their reactions and edits, their clientIds, their words in
   * the quotes of replies; and at most `max` positions of changes made before `beforeMs`.
   * A client resuming from a deleted position is then told `gap` (`trimmed`). Stores that
   * bound what they keep by count (Redis) have none, and no retention.
   */
  purge?(room: string, beforeMs: number, max: number): Promise<Purged>;
  close(): Promise<void>;
}

/** What one `purge` call deleted. */
export interface Purged {
  messages: number;
  changes: number;
}

export class InvalidCursorError extends Error {
  constructor() {
    super('not a message id');
    this.name = 'InvalidCursorError';
  }
}

/** Ids have the shape of Redis stream ids, `<ms>-<seq>`, ordered by both numbers. */
export type IdKey = readonly [ms: number, seq: number];

const ID_PATTERN = /^(\d{1,15})-(\d{1,15})$/;

export function parseId(id: string): IdKey | undefined {
  const m = ID_PATTERN.exec(id);
  if (!m) return undefined;
  return [Number(m[1]), Number(m[2])];
}

export function compareIdKeys(a: IdKey, b: IdKey): number {
  return a[0] - b[0] || a[1] - b[1];
}

export const idOf = (key: IdKey): string => `${key[0]}-${key[1]}`;

/** The position of a message's latest change: its own id until it changes. */
export const positionOf = (message: Message): string => message.pos ?? message.id;

/** What every store is told; each adds its own options. */
export interface HistoryStoreOptions {
  /**
   * Entries kept per room: messages and the changes after them. The oldest go first, so a
   * room holds at most this many messages, fewer when some were changed since. Absent (the
   * stores on disk): everything is kept until purged.
   */
  limit?: number;
  /** How long a clientId is remembered for dedup, in milliseconds. */
  dedupTtlMs: number;
  /** Clock for ids and dedup expiry, in ms. Default `Date.now`. */
  now?: () => number;
}

/**
 * Issues `<ms>-<seq>` keys that always increase, even within one millisecond or when the
 * clock steps back, starting after `last` (a store that reopens passes its newest key).
 */
export function createIdClock(now: () => number, last: IdKey = [0, 0]): () => IdKey {
  let previous = last;
  return () => {
    const ms = Math.max(now(), previous[0]);
    previous = ms === previous[0] ? [ms, previous[1] + 1] : [ms, 0];
    return previous;
  };
}

export { StoreUnavailableError } from '../storage/unavailable.js';
