import type { AccountStore, SessionStore } from '../accounts/store.js';
import type { ConversationStore } from '../conversations/store.js';
import type { HistoryStore } from '../messages/store.js';
import type { ModerationStore } from '../moderation/store.js';
import type { MembershipStore } from '../rooms/store.js';

/**
 * Every store of record, as one backend (memory.ts, sqlite.ts, redis.ts) provides them:
 * `createServer` takes them as given and only fills in, in memory, what it was not given.
 */
export interface Stores {
  /** Every room's messages. */
  history: HistoryStore;
  /** Accounts and sign-in sessions. */
  accounts: { accounts: AccountStore; sessions: SessionStore };
  /** Direct conversations and read markers. */
  conversations: ConversationStore;
  /** Room settings, roles, sanctions, reports and the audit list. */
  moderation: ModerationStore;
  /** Each user's rooms and pending invitations. */
  memberships: MembershipStore;
}
