import type { Account, AccountStore } from '../accounts/store.js';

/**
 * The operators (`ADMIN_USERS`, usernames) as the accounts they are. Every room's info names
 * them (`RoomInfo.operators`), so that clients know whom they may not act on.
 */
export interface Operators {
  /** The user ids of the operators who have an account, in `ADMIN_USERS` order. */
  ids(): Promise<string[]>;
  /** Whether this account is an operator's. */
  is(account: Account): boolean;
}

/**
 * A username never changes hands and no account is deleted, so an id once found stays true on
 * every node and is kept; a username without an account yet is looked up again each time,
 * since it may sign up at any moment, on any node.
 */
export function createOperators(
  usernames: readonly string[],
  accounts: Pick<AccountStore, 'findByUsername'>,
): Operators {
  const found = new Map<string, string>();
  return {
    async ids() {
      const missing = usernames.filter((u) => !found.has(u));
      const accountsFound = await Promise.all(missing.map((u) => accounts.findByUsername(u)));
      accountsFound.forEach((held, i) => {
        const username = missing[i];
        if (held && username !== undefined) found.set(username, held.account.id);
      });
      return usernames.flatMap((u) => {
        const id = found.get(u);
        return id === undefined ? [] : [id];
      });
    },
    is: (account) =>
      account.username !== undefined && usernames.includes(account.username.toLowerCase()),
  };
}
