import { DELETED_USER_NAME, type Author, type Message } from '../../../common/contract.js';
import type { HistoryStore } from '../messages/store.js';
import type { AccountStore } from './store.js';

/**
 * A history store whose reads show the messages of deleted accounts (and quotes of them) as
 * from `DELETED_USER_NAME`: the messages stay, the name they were written under does not.
 * Each distinct author of a page is looked up once; bots' and legacy ids are no account.
 */
export function withDeletedAuthors(store: HistoryStore, accounts: AccountStore): HistoryStore {
  const resolve = async (messages: Message[]): Promise<Message[]> => {
    const ids = new Set<string>();
    for (const m of messages) {
      if (!m.author.bot) ids.add(m.author.id);
      if (m.replyTo && !m.replyTo.author.bot) ids.add(m.replyTo.author.id);
    }
    const found = await Promise.all([...ids].map((id) => accounts.findById(id)));
    const gone = new Set(found.filter((a) => a?.deleted).map((a) => a?.id));
    if (gone.size === 0) return messages;
    const shown = (author: Author): Author =>
      gone.has(author.id) ? { ...author, name: DELETED_USER_NAME } : author;
    return messages.map((m) => ({
      ...m,
      author: shown(m.author),
      ...(m.replyTo ? { replyTo: { ...m.replyTo, author: shown(m.replyTo.author) } } : {}),
    }));
  };
  return {
    ...store,
    latest: async (room, limit) => {
      const page = await store.latest(room, limit);
      return { ...page, messages: await resolve(page.messages) };
    },
    before: async (room, id, limit) => {
      const page = await store.before(room, id, limit);
      return { ...page, messages: await resolve(page.messages) };
    },
    after: async (room, id, limit) => {
      const replay = await store.after(room, id, limit);
      return { ...replay, messages: await resolve(replay.messages) };
    },
    get: async (room, id) => {
      const message = await store.get(room, id);
      return message && (await resolve([message]))[0];
    },
  };
}
