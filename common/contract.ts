/**
 * The wire contract between the chat server and its clients: event names, payloads,
 * ack results and error codes. Server, browser client and tests all import this file,
 * and docs/protocol.md describes the same contract in prose. The helper types at the end
 * (`RequestOf`, `ResultOf`, …) are derived from the event maps, so a handler or a client
 * call that disagrees with the contract does not compile.
 *
 * This module holds types and constant tables only (no runtime dependencies), so the
 * browser bundle can import it without pulling in server code.
 */

/** Every error code an ack or a `connect_error` can carry. */
export const ErrorCode = {
  /** The payload is not of the documented shape, or the event is unknown. */
  BAD_REQUEST: 'BAD_REQUEST',
  /** A room name is not 1–64 characters of `a-z 0-9 _ -`. */
  INVALID_ROOM: 'INVALID_ROOM',
  /** The connection must join the room before it sends to or reads from it. */
  NOT_IN_ROOM: 'NOT_IN_ROOM',
  /** The message text is empty once trimmed. */
  EMPTY_TEXT: 'EMPTY_TEXT',
  /** The message text is longer than the server's limit once trimmed. */
  TEXT_TOO_LONG: 'TEXT_TOO_LONG',
  /** The connection sends faster than its rate limit; retry later. */
  RATE_LIMITED: 'RATE_LIMITED',
  /** The connection has joined as many rooms as the server allows. */
  TOO_MANY_ROOMS: 'TOO_MANY_ROOMS',
  /** Handshake only: the `auth.name` is missing or not a valid display name. */
  INVALID_NAME: 'INVALID_NAME',
  /** HTTP only: the request lacks valid credentials. */
  UNAUTHORIZED: 'UNAUTHORIZED',
  /** HTTP only: the request may not do this (a foreign `Origin`, guests turned off). */
  FORBIDDEN: 'FORBIDDEN',
  /** Sign-up: an account with this username exists (compared without regard to case). */
  USERNAME_TAKEN: 'USERNAME_TAKEN',
  /** Guest sign-in: the name is, or looks like, a registered username or display name. */
  NAME_TAKEN: 'NAME_TAKEN',
  /** HTTP only: no such route, or the feature behind it is turned off. */
  NOT_FOUND: 'NOT_FOUND',
  /** A dependency (such as the history store) is unavailable; the request may be retried. */
  UNAVAILABLE: 'UNAVAILABLE',
  /** Something unexpected failed on the server; details are in the server's log only. */
  INTERNAL: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Error codes after which sending the same request again may succeed. */
export const RETRYABLE_CODES: readonly ErrorCode[] = [
  ErrorCode.RATE_LIMITED,
  ErrorCode.UNAVAILABLE,
  ErrorCode.INTERNAL,
];

export interface AckError {
  code: ErrorCode;
  /** Human-readable; never contains a stack trace. */
  message: string;
}

export type AckFailure = { ok: false; error: AckError };
/** The body of every HTTP error response (the push API, 404s), with the same codes. */
export interface HttpErrorBody {
  error: AckError;
}
/** Every ack is a result union: `{ ok: true, ...result }` or `{ ok: false, error }`. */
export type Ack<T extends object = object> = ({ ok: true } & T) | AckFailure;
export type AckCallback<T extends object = object> = (result: Ack<T>) => void;

// The HTTP API of accounts (`/api/auth/*`), JSON in and out.

/** A person as the chat shows them. `username` is absent for guests. */
export interface PublicUser {
  id: string;
  name: string;
  username?: string;
  guest?: true;
}
export interface SignupRequest {
  username: string;
  password: string;
  /** Defaults to the username. */
  displayName?: string;
}
export interface LoginRequest {
  username: string;
  password: string;
}
export interface GuestRequest {
  name: string;
}
/** The body of a successful signup, login, guest sign-in or `GET /api/auth/me`. */
export interface AuthResponse {
  user: PublicUser;
}

/** Limits of the contract itself; server-side limits (rates, sizes) are configuration. */
export const Limits = {
  /** Display name length in characters (code points), after trimming. */
  nameMaxLength: 32,
  /** Room names: 1–64 characters of a-z, 0-9, underscore and hyphen. */
  roomPattern: /^[a-z0-9_-]{1,64}$/,
  /** A clientId is chosen by the client to make retries idempotent. */
  clientIdPattern: /^[A-Za-z0-9_-]{1,64}$/,
  /** Largest `limit` accepted by `history:fetch`. */
  historyFetchMaxLimit: 100,
} as const;

export const DEFAULT_ROOM = 'general';

export interface Member {
  /** Opaque id of one connection; the same person in two tabs is two members. */
  id: string;
  name: string;
}

/** Who wrote a message. */
export interface Author {
  name: string;
  /** Posted by a program through the push API, never by a person; no client can set it. */
  bot?: true;
}

export interface Message {
  /** Opaque to clients; strictly increasing within a room. */
  id: string;
  room: string;
  author: Author;
  text: string;
  /** Server time at which the message was stored, in milliseconds since the epoch. */
  ts: number;
}

// Client → server payloads.
export interface JoinRequest {
  room: string;
  /** The id of the newest message the client already holds in this room. */
  since?: string;
}
export interface LeaveRequest {
  room: string;
}
export interface SendRequest {
  room: string;
  text: string;
  /** Chosen by the client and reused on every retry of the same message. */
  clientId: string;
}
export interface HistoryRequest {
  room: string;
  /** Return messages older than this id. */
  before: string;
  /** Default 50, at most `Limits.historyFetchMaxLimit`. */
  limit?: number;
}
export interface TypingRequest {
  room: string;
  typing: boolean;
}
export type RoomsListRequest = Record<string, never>;

// Ack results.
export interface JoinResult {
  room: string;
  /** This connection as the others see it in `members` and in `presence` events. */
  self: Member;
  /** Oldest first. */
  history: Message[];
  members: Member[];
  /** The store holds messages older than the first one in `history` (use `history:fetch`). */
  hasMore: boolean;
  /**
   * True when `since` was given but the messages right after it are no longer held
   * (trimmed, or lost by the store): continuity is broken and `history` is the newest page.
   */
  gap: boolean;
  /**
   * Why continuity broke, when `gap` is true: `trimmed` — more messages were posted since
   * than the server keeps per room (`HISTORY_LIMIT`), and the oldest of them are gone;
   * `unknown` — the server does not know `since` at all (it lost its history, for example a
   * restart with `STORE=memory`, or the id is not one of its).
   */
  gapReason?: GapReason;
}
export type GapReason = 'trimmed' | 'unknown';
export interface LeaveResult {
  room: string;
}
export interface SendResult {
  message: Message;
}
export interface HistoryResult {
  /** Oldest first. */
  messages: Message[];
  hasMore: boolean;
}
export interface RoomSummary {
  name: string;
  /** Connections currently in the room, across every server node. */
  members: number;
}
export interface RoomsListResult {
  rooms: RoomSummary[];
}

// Server → client payloads.
export interface PresenceEvent {
  room: string;
  action: 'join' | 'leave';
  member: Member;
  /** Members in the room after this change. */
  count: number;
}
export interface TypingEvent {
  room: string;
  member: Member;
  typing: boolean;
}

export const ClientEvent = {
  roomJoin: 'room:join',
  roomLeave: 'room:leave',
  messageSend: 'message:send',
  historyFetch: 'history:fetch',
  typing: 'typing',
  roomsList: 'rooms:list',
} as const;
export type ClientEventName = (typeof ClientEvent)[keyof typeof ClientEvent];

export const ServerEvent = {
  message: 'message',
  presence: 'presence',
  typing: 'typing',
} as const;
export type ServerEventName = (typeof ServerEvent)[keyof typeof ServerEvent];

export interface ClientToServerEvents {
  'room:join': (payload: JoinRequest, ack: AckCallback<JoinResult>) => void;
  'room:leave': (payload: LeaveRequest, ack: AckCallback<LeaveResult>) => void;
  'message:send': (payload: SendRequest, ack: AckCallback<SendResult>) => void;
  'history:fetch': (payload: HistoryRequest, ack: AckCallback<HistoryResult>) => void;
  typing: (payload: TypingRequest) => void;
  'rooms:list': (payload: RoomsListRequest, ack: AckCallback<RoomsListResult>) => void;
}

export interface ServerToClientEvents {
  message: (message: Message) => void;
  presence: (event: PresenceEvent) => void;
  typing: (event: TypingEvent) => void;
}

// Nodes of a cluster talk only through the adapter's own requests for now.
export type InterServerEvents = Record<string, never>;

/** Per-connection data; serialisable because other nodes read it through `fetchSockets()`. */
export interface SocketData {
  member: Member;
}

/** The `auth` object a client passes to `io(url, { auth })`. */
export interface HandshakeAuth {
  name: string;
}

/** `connect_error` carries this in `err.data` when the server refuses a handshake. */
export interface ConnectErrorData {
  code: ErrorCode;
}

// Helper types derived from the event maps. Server handlers, the browser client and the
// tests all use these, so none of them restates a payload or an ack by hand.

/** The payload a client sends with event `E`. */
export type RequestOf<E extends ClientEventName> = Parameters<ClientToServerEvents[E]>[0];

/** The ack result of event `E` (`never` for events without an ack, such as `typing`). */
export type ResultOf<E extends ClientEventName> =
  Parameters<ClientToServerEvents[E]> extends [unknown, (result: infer R) => void] ? R : never;

/** The client events that take an ack. */
export type AckedEventName = {
  [E in ClientEventName]: [ResultOf<E>] extends [never] ? never : E;
}[ClientEventName];

/** What the server sends with event `E`. */
export type PayloadOf<E extends ServerEventName> = Parameters<ServerToClientEvents[E]>[0];

const CLIENT_EVENTS: ReadonlySet<string> = new Set(Object.values(ClientEvent));
/** Narrows an incoming event name to the contract's client events. */
export const isClientEvent = (event: unknown): event is ClientEventName =>
  typeof event === 'string' && CLIENT_EVENTS.has(event);
