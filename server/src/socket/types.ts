import type { Server, Socket } from 'socket.io';
import type { PresenceRegistry } from '../cluster-presence.js';
import type { Config } from '../config.js';
import type { RoomSummary } from '../../../common/contract.js';
import type {
  ClientToServerEvents,
  InterServerEvents,
  ServerToClientEvents,
  SocketData,
} from '../../../common/contract.js';
import type { HistoryStore } from '../history/store.js';
import type { AccountStore, SessionStore } from '../accounts/store.js';
import type { ConversationStore } from '../conversations/store.js';
import type { ModerationStore } from '../moderation/store.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { Timers } from '../../../common/timers.js';
import type { UserLimits } from '../user-limits.js';
import type { ConnectionCaps } from './connection-caps.js';
import type { ConnectionLimits } from './connection-limits.js';
import type { RoomCapacity } from './room-capacity.js';
import type { SessionGuard } from './session-guard.js';
import type { EngineInternals } from './engine-internals.js';
import type { Operators } from './operators.js';

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

/** What every socket handler may use. */
export interface SocketDeps {
  io: ChatIO;
  config: Config;
  history: HistoryStore;
  /** Who is in each direct conversation; how far each user has read each room. */
  conversations: ConversationStore;
  /** Other nodes share this one's rooms (through Redis): they must hear of removals. */
  clustered: boolean;
  /** Room settings, roles, invitations, bans, mutes and the audit list. */
  moderation: ModerationStore;
  /** Accounts, to resolve the users a conversation or a mention names. */
  accounts: AccountStore;
  /** The operators (`ADMIN_USERS`) as accounts, whom every room's info names. */
  operators: Operators;
  logger: Logger;
  metrics: Metrics;
  /** Work started by events that nobody awaits (presence announcements); shutdown waits for it. */
  background: Set<Promise<unknown>>;
  /** True once shutdown closes sockets (after the drain): no new background work may start. */
  quiescing: () => boolean;
  /** Tells the other nodes who is here, so that they can announce our members if we die. */
  presence: PresenceRegistry;
  /** The room directory for `rooms:list`, cached briefly per node. */
  directory: () => Promise<RoomSummary[]>;
  /** Library internals this server relies on (engine-internals.ts). */
  internals: EngineInternals;
  /** Clock for rate limits, in milliseconds; tests pass their own. */
  now: () => number;
  /** Timers of this server (presence grace periods, session checks); cleared on close. */
  timers: Timers;
  /** Sign-in sessions, to end them all when an account is suspended. */
  sessionStore: SessionStore;
  /** Closes connections whose session ended or expired. */
  sessions: SessionGuard;
  /** Connections per user and per address on this node. */
  caps: ConnectionCaps;
  /**
   * Users whose connection left a room on this node within the grace period, by room and
   * user (presence.ts): the room still lists them, so their return is no news.
   */
  departing: Map<string, number>;
  /** Message rates and flood penalties of users and addresses, across connections. */
  userLimits: UserLimits;
  /** Who may open a new room, and the bound on rooms held (MAX_ROOMS). */
  roomCapacity: RoomCapacity;
}

/** What a handler gets for one event: the connection, its limits and the shared deps. */
export interface ConnectionContext {
  socket: ChatSocket;
  deps: SocketDeps;
  limits: ConnectionLimits;
}
