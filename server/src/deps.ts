import type { ChatIO, ChatSocket } from './io.js';
import type { PresenceRegistry } from './rooms/cluster-presence.js';
import type { Config } from './config.js';
import type {
  Ack,
  AckedEventName,
  RequestOf,
  ResultOf,
  RoomSummary,
} from '../../common/contract.js';
import type { HistoryStore } from './messages/store.js';
import type { Actor } from './accounts/actor.js';
import type { AccountStore, SessionStore } from './accounts/store.js';
import type { ConversationStore } from './conversations/store.js';
import type { ModerationStore } from './moderation/store.js';
import type { MembershipStore } from './rooms/store.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import type { Timers } from '../../common/timers.js';
import type { UserLimits } from './limits/user-limits.js';
import type { ConnectionCaps } from './limits/connection-caps.js';
import type { RoomCapacity } from './rooms/capacity.js';
import type { SessionGuard } from './accounts/session-guard.js';
import type { EngineInternals } from './engine-internals.js';
import type { Operators } from './moderation/operators.js';

/**
 * What the server's parts share, built once by `createServer`: the stores, the clock, the
 * timers and the cross-node services. Each concern takes the few fields it uses (`Pick`).
 */
export interface ChatDeps {
  io: ChatIO;
  config: Config;
  history: HistoryStore;
  /** Who is in each direct conversation; how far each user has read each room. */
  conversations: ConversationStore;
  /** Other nodes share this one's rooms (through Redis): they must hear of removals. */
  clustered: boolean;
  /** Room settings, roles, invitations, bans, mutes and the audit list. */
  moderation: ModerationStore;
  /** Each user's rooms and pending invitations, whatever device they come from. */
  memberships: MembershipStore;
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

/** The rate limits of one connection (socket/connection-limits.ts) as a request sees them. */
export interface RequestLimits {
  /** Takes a token for any incoming event. */
  allowEvent(): boolean;
  /** Records a rate-limited request; disconnects a client that keeps flooding. */
  strike(): void;
  /** True once the connection is being disconnected for flooding: it is not listened to. */
  readonly cutOff: boolean;
  /** False for a RATE_LIMITED answer of a strike made after the cut (see `cutOff`). */
  mayAnswer(result: Ack): boolean;
}

/**
 * One request as the concerns see it: who asked, on which connection, under which limits,
 * and the shared deps. The socket edge builds one per connection (socket/connection-limits.ts).
 */
export interface RequestContext {
  /** Who asked. */
  actor: Actor;
  /** The connection it came on: which rooms it is in, whom to tell. */
  socket: ChatSocket;
  deps: ChatDeps;
  limits: RequestLimits;
}

/** What a concern does with one client request: its ack, from a payload already validated. */
export type RequestAction<E extends AckedEventName> = (
  ctx: RequestContext,
  request: RequestOf<E>,
) => Promise<ResultOf<E>>;
