import { createMemoryAccounts } from '../accounts/memory-store.js';
import type { Config } from '../config.js';
import { createMemoryConversations } from '../conversations/store.js';
import { createMemoryHistoryStore } from '../messages/memory-store.js';
import { createMemoryModeration } from '../moderation/store.js';
import { createMemoryMemberships } from '../rooms/store.js';
import type { Stores } from './stores.js';

/** Every store in this process's memory (`STORE=memory`, and the tests' default). */
export const createMemoryStores = (config: Config, now: () => number): Stores => ({
  history: createMemoryHistoryStore({ limit: config.historyLimit, dedupTtlMs: config.dedupTtlMs }),
  accounts: createMemoryAccounts(now),
  conversations: createMemoryConversations(),
  moderation: createMemoryModeration(),
  memberships: createMemoryMemberships(),
});
