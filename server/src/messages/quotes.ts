import { Limits, type Message, type ReplyQuote } from '../../../common/contract.js';
import type { HistoryStore } from './store.js';

/** What a reply shows of the message it answers: its author and the start of its text. */
export function quoteOf(original: Message): ReplyQuote {
  if (original.deleted)
    return { id: original.id, author: original.author, text: '', deleted: true };
  return {
    id: original.id,
    author: original.author,
    text: Array.from(original.text).slice(0, Limits.quoteMaxLength).join(''),
  };
}

/**
 * A quote of a message no longer held (purged by a retention, or trimmed): who wrote it, none
 * of its words, as for a deleted one.
 */
export const goneQuote = (quote: ReplyQuote): ReplyQuote => ({
  id: quote.id,
  author: quote.author,
  text: '',
  deleted: true,
});

/**
 * A history store whose reads show every reply's quote as the original is now: edited text,
 * or no text at all once it was deleted (a deleted message's words must not live on in the
 * quotes of its replies), nor those of one no longer held (purged: its words outlive it in no
 * quote). Originals in the same page are used as they are; others are read one by one.
 */
export function withCurrentQuotes(store: HistoryStore): HistoryStore {
  const resolve = async (room: string, messages: Message[]): Promise<Message[]> => {
    const wanted = messages.filter((m) => m.replyTo !== undefined);
    if (wanted.length === 0) return messages;
    const held = new Map(messages.map((m) => [m.id, m]));
    const missing = [
      ...new Set(wanted.map((m) => m.replyTo?.id ?? '').filter((id) => !held.has(id))),
    ];
    const found = await Promise.all(missing.map((id) => store.get(room, id)));
    for (const original of found) if (original) held.set(original.id, original);
    return messages.map((m) => {
      if (!m.replyTo) return m;
      const original = held.get(m.replyTo.id);
      return { ...m, replyTo: original ? quoteOf(original) : goneQuote(m.replyTo) };
    });
  };
  return {
    ...store,
    latest: async (room, limit) => {
      const page = await store.latest(room, limit);
      return { ...page, messages: await resolve(room, page.messages) };
    },
    before: async (room, id, limit) => {
      const page = await store.before(room, id, limit);
      return { ...page, messages: await resolve(room, page.messages) };
    },
    after: async (room, id, limit) => {
      const replay = await store.after(room, id, limit);
      return { ...replay, messages: await resolve(room, replay.messages) };
    },
    get: async (room, id) => {
      const message = await store.get(room, id);
      return message && (await resolve(room, [message]))[0];
    },
  };
}
