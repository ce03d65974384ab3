import type { ManagerOptions, SocketOptions } from 'socket.io-client';
import type { HandshakeAuth, JoinResult, Member, Message } from '../../../common/contract.js';
import type { ConnectionChange, Transport } from './connection-state.js';
import type { SessionEnd } from './notices.js';
import type { OutboxOptions } from './outbox.js';
import type { Scheduler } from '../../../common/timers.js';

export type { Transport };

export interface ChatOptions {
  /** Server URL; the page's own origin when omitted. */
  url?: string;
  /** The signed-in user (from the HTTP API): messages with this author id are this user's. */
  user: Member;
  /**
   * Credentials for the handshake. Browsers need none (the session cookie goes along);
   * Node programs pass the session token they got, or a host application's JWT.
   */
  auth?: HandshakeAuth;
  /** Forced transports; Socket.IO's default (polling, then upgrade) when omitted. */
  transports?: Transport[];
  rooms: string[];
  current: string | undefined;
  /**
   * The server's list of the user's rooms (`rooms:mine`) decides at each connect: a room held
   * here that the user left elsewhere is dropped. Default false: the list only adds rooms.
   */
  followServerRooms?: boolean;
  /** Whether the page is visible at start (see `Chat.setVisible`). Default true. */
  visible?: boolean;
  /** Waiting longer than this for an ack counts as a failed attempt, in ms. Default 8000. */
  ackTimeoutMs?: number;
  /** How often the room directory is refreshed while connected and visible, in ms. Default 5000. */
  directoryRefreshMs?: number;
  /**
   * After the server sent this client away (flooding) or refused a handshake for a reason
   * that may pass (too many connections, a store away), wait this long to reconnect, in ms.
   * Default 5000.
   */
  kickedReconnectMs?: number;
  /** A join refused with a retryable code is tried again after this long, in ms. Default 2000. */
  joinRetryMs?: number;
  /**
   * While connected, a no-op `alive` request goes this often, in ms. Default 3000: a link that
   * died without the browser saying so is otherwise noticed only by Engine.IO's heartbeat
   * (`pingInterval` + `pingTimeout`, 45 s), with messages sitting unsent meanwhile.
   */
  livenessIntervalMs?: number;
  /** No ack to `alive` within this long, in ms, and the connection counts as dead. Default 5000. */
  livenessTimeoutMs?: number;
  /** Retry policy of unacknowledged messages (see outbox.ts for the defaults). */
  outbox?: Partial<OutboxOptions>;
  /** Where timers come from; tests drive time with their own. Default the global timers. */
  scheduler?: Scheduler;
  /** Further socket.io-client options (Node programs and tests: TLS, cookies, backoff). */
  socket?: Partial<ManagerOptions & SocketOptions>;
}

/**
 * How the chat reconnects: a first attempt after 250–750 ms (socket.io-client's own default
 * is 500–1500 ms), backing off to 5 s. After a node dies, HAProxy sends a retry to a live node
 * at once (`option redispatch 1`), so there is nothing to gain by waiting longer first.
 */
export const RECONNECTION = { reconnectionDelay: 500, reconnectionDelayMax: 5000 } as const;

export type Timings = Required<
  Pick<
    ChatOptions,
    | 'ackTimeoutMs'
    | 'directoryRefreshMs'
    | 'kickedReconnectMs'
    | 'joinRetryMs'
    | 'livenessIntervalMs'
    | 'livenessTimeoutMs'
  >
>;

export const timingsOf = (options: ChatOptions): Timings => ({
  ackTimeoutMs: options.ackTimeoutMs ?? 8000,
  directoryRefreshMs: options.directoryRefreshMs ?? 5000,
  kickedReconnectMs: options.kickedReconnectMs ?? 5000,
  joinRetryMs: options.joinRetryMs ?? 2000,
  livenessIntervalMs: options.livenessIntervalMs ?? 3000,
  livenessTimeoutMs: options.livenessTimeoutMs ?? 5000,
});

export type ChatEvent =
  /** Something shown changed; coalesced to one per task. */
  | { type: 'change' }
  | { type: 'connection'; change: ConnectionChange }
  /** A new message from someone else arrived live. */
  | { type: 'incoming'; message: Message }
  /** Every message the server handed over (live, replayed on join, or this client's own ack). */
  | { type: 'receipt'; message: Message; duplicate: boolean }
  /** A message named this user (in any room, on every tab). */
  | { type: 'mention'; message: Message }
  /** The server acknowledged one of this client's messages. */
  | { type: 'sent'; message: Message }
  /** A room was (re)joined on the current connection. */
  | { type: 'joined'; result: JoinResult }
  /**
   * The session is over: signed out (here or in another tab), expired, or refused at the
   * handshake. The chat stops; the page asks the person to sign in again.
   */
  | ({ type: 'signed-out' } & SessionEnd);
