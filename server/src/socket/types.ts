import type { Server, Socket } from 'socket.io';
import type { PresenceRegistry } from '../cluster-presence.js';
import type { Config } from '../config.js';
import type { RoomSummary } from '../contract.js';
import type {
  ClientToServerEvents,
  InterServerEvents,
  ServerToClientEvents,
  SocketData,
} from '../contract.js';
import type { HistoryStore } from '../history/store.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';

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
  /** Clock for rate limits, in milliseconds; tests pass their own. */
  now: () => number;
}
