import type { Member } from '../../../common/contract.js';

/**
 * Who does a request, as rule code sees them: the user, whether they are an operator
 * (`ADMIN_USERS`), and the address they connect from. Rules take this, not a connection, so
 * that any edge (the socket, an HTTP route) can ask them.
 */
export interface Actor {
  member: Member;
  admin: boolean;
  address: string;
}
