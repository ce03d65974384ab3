import type { Server, Socket } from 'socket.io';
import type { ClientToServerEvents, Member, ServerToClientEvents } from '../../common/contract.js';

/** What the nodes of a cluster tell each other (through the adapter's `serverSideEmit`). */
export interface InterServerEvents {
  /** A user changed their display name: every node updates its connections of that user. */
  renamed: (member: Member) => void;
  /** A user was kicked or banned: every node takes its connections of theirs out of the room. */
  removed: (event: { room: string; userId: string }) => void;
}

/** Per-connection data; serialisable because other nodes read it through `fetchSockets()`. */
export interface SocketData {
  /** The signed-in user. */
  member: Member;
  /** The id of the sign-in session (a cookie's or `auth.session`'s); absent with a token. */
  session?: string;
  /** When the credentials stop being valid (a token's `exp`), in ms since the epoch. */
  expiresAt?: number;
  /** An operator named in `ADMIN_USERS`: owner of every room. */
  admin?: true;
  /**
   * clientIds of this connection's sends whose storing failed (the store may still hold
   * them): their retry is broadcast even though the store reports it a duplicate.
   */
  unsettled?: Set<string>;
}

export type ChatIO = Server<
  ClientToServerEvents,
  ServerToClientEvents,
  InterServerEvents,
  SocketData
>;
export type ChatSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  InterServerEvents,
  SocketData
>;
