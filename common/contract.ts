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
  /**
   * Joining (or `room:create` of) a room that does not exist yet would open a new one, and this
   * user or address has opened as many as it may this hour, or the server holds as many as it may.
   */
  ROOM_LIMIT: 'ROOM_LIMIT',
  /** A display name is empty, too long, or has invisible or control characters. */
  INVALID_NAME: 'INVALID_NAME',
  /** No valid session or token: sign in first (HTTP, and `connect_error` of a handshake). */
  UNAUTHORIZED: 'UNAUTHORIZED',
  /** Handshake only: this user, or this address, has as many connections as the server allows. */
  TOO_MANY_CONNECTIONS: 'TOO_MANY_CONNECTIONS',
  /** HTTP only: the request may not do this (a foreign `Origin`, guests turned off). */
  FORBIDDEN: 'FORBIDDEN',
  /** Sign-up: an account with this username exists (compared without regard to case). */
  USERNAME_TAKEN: 'USERNAME_TAKEN',
  /** A guest's name is, or looks like, a registered username or display name, or the name of another guest online. */
  NAME_TAKEN: 'NAME_TAKEN',
  /**
   * No such message in this room (never sent, or no longer held), a deleted message for an
   * edit or a reaction; over HTTP, no such route, or the feature behind it is turned off.
   */
  NOT_FOUND: 'NOT_FOUND',
  /** The user may not do this: change another user's message, for example. */
  NOT_ALLOWED: 'NOT_ALLOWED',
  /** Only a room's owners and moderators (or operators) may do this, and not to their equals. */
  NOT_MODERATOR: 'NOT_MODERATOR',
  /** The user is banned from the room; `until` says until when (absent: until lifted). */
  BANNED: 'BANNED',
  /** The user is muted in the room; `until` says until when (absent: until lifted). */
  MUTED: 'MUTED',
  /** The account is suspended by an operator: sign-in is refused (HTTP 403). */
  SUSPENDED: 'SUSPENDED',
  /** `room:create` of a room that exists (it has settings, history or people in it). */
  ROOM_EXISTS: 'ROOM_EXISTS',
  /** A message carries as many different reactions as the server allows (`Limits.reactionsPerMessage`). */
  TOO_MANY_REACTIONS: 'TOO_MANY_REACTIONS',
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
  /** BANNED and MUTED: until when, in ms since the epoch (absent: until lifted). */
  until?: number;
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
/** The body of a successful signup, login, guest sign-in, rename or `GET /api/auth/me`. */
export interface AuthResponse {
  user: PublicUser;
}
/** `PATCH /api/auth/me`: a new display name. */
export interface RenameRequest {
  name: string;
}
/** `POST /api/auth/password`: the current password, and the one replacing it. */
export interface PasswordChangeRequest {
  currentPassword: string;
  newPassword: string;
}
/** `POST /api/auth/delete`: the account's password, to confirm that it goes for good. */
export interface AccountDeleteRequest {
  password: string;
}
/**
 * The name a deleted account's messages are shown under: they stay in the rooms, and no
 * one can sign up or rename to it.
 */
export const DELETED_USER_NAME = 'Deleted user';
/**
 * `GET /api/auth/session`: what a page needs before it shows the chat or the sign-in screen,
 * always with status 200 (a page that loads signed out is not an error).
 */
export interface SessionInfo {
  /** The signed-in user, or null without a valid session. */
  user: PublicUser | null;
  /** `POST /api/auth/guest` is open (`GUESTS=true`). */
  guests: boolean;
  /** Longest message text accepted, in characters after trimming (`MAX_TEXT_LENGTH`). */
  maxTextLength: number;
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
  /** Different emoji on one message; a new one past this is refused with TOO_MANY_REACTIONS. */
  reactionsPerMessage: 20,
  /** Characters of the original a reply quotes. */
  quoteMaxLength: 200,
  /** Characters of a room's topic. */
  topicMaxLength: 200,
  /** Characters of the reason of a ban, a mute or a report. */
  reasonMaxLength: 300,
  /** Longest ban or mute with a length, in minutes (a year); longer ones are until lifted. */
  sanctionMinutesMax: 525_600,
  /** Longest retention a room may set, in days (100 years). */
  retentionDaysMax: 36_500,
} as const;

export const DEFAULT_ROOM = 'general';

/** Direct conversations (`dm:open`) have rooms named with this prefix; nobody opens one by joining. */
export const DIRECT_ROOM_PREFIX = 'dm-';
export const isDirectRoom = (room: string): boolean => room.startsWith(DIRECT_ROOM_PREFIX);

/**
 * A person in a room: one entry however many tabs or devices they have open. `id` is the
 * user's id, the only thing that tells two people apart (names may repeat).
 */
export interface Member {
  id: string;
  name: string;
  /** The account's username (lower-case), what `@username` mentions name; absent for guests. */
  username?: string;
  /** Signed in as a guest, without an account. */
  guest?: true;
}

/** Who wrote a message: a user (as a `Member`), or a program through the push API. */
export interface Author {
  /** The user's id; for a program, `bot:` followed by its name, which no user id can be. */
  id: string;
  name: string;
  guest?: true;
  /** Posted by a program through the push API, never by a person; no client can set it. */
  bot?: true;
}

/** One emoji on a message and who put it there, in the order they did. */
export interface Reaction {
  /** A single emoji (one grapheme of Unicode's RGI emoji set). */
  emoji: string;
  users: Member[];
}

/** What a reply shows of the message it answers, as it was when the reply was sent. */
export interface ReplyQuote {
  id: string;
  author: Author;
  /**
   * The start of its text (`Limits.quoteMaxLength` characters). History shows it as the
   * original is now (edited); empty once the original was deleted.
   */
  text: string;
  /** The original was deleted. */
  deleted?: true;
}

/**
 * A message as it is now. Every change to a room (a new message, an edit, a deletion, a
 * reaction) takes the room's next position; positions have the shape of message ids and
 * share their order, so one cursor (`since`) resumes after messages and changes alike.
 */
export interface Message {
  /** Opaque to clients; strictly increasing within a room. Also the position of its creation. */
  id: string;
  room: string;
  author: Author;
  /** Empty once deleted. */
  text: string;
  /** Server time at which the message was stored, in milliseconds since the epoch. */
  ts: number;
  /** When its author last edited it, in ms since the epoch. */
  editedAt?: number;
  /** Deleted: a tombstone that keeps its place, without its text or reactions. */
  deleted?: true;
  /** With `deleted`: removed by a moderator of the room, not by its author. */
  removedByModerator?: true;
  /** Absent when there are none. */
  reactions?: Reaction[];
  /** The message this one answers. */
  replyTo?: ReplyQuote;
  /** The users its `@username`s named, as the server resolved them when it was sent. */
  mentions?: Member[];
  /** The position of its latest change; absent while it has never changed (then it is `id`). */
  pos?: string;
  /**
   * Live `message`, `message:updated` and `message:deleted` events only: the room's position
   * just before this change (absent for a room's first). A client that holds the room but
   * not that position missed something on the way (a broadcast lost between nodes) and
   * catches up by rejoining with `since`. Absent in history, replays and acks.
   */
  prev?: string;
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
  /** The id of a message of the same room that this one answers. */
  replyTo?: string;
}
/** Replaces the text of one's own message. */
export interface EditRequest {
  room: string;
  id: string;
  text: string;
}
/** Deletes one's own message, leaving a tombstone in its place. */
export interface DeleteRequest {
  room: string;
  id: string;
}
/** Creates a room, owned by the user who creates it. */
export interface RoomCreateRequest {
  room: string;
  /** Joinable only by invitation (and by its owners and moderators). */
  private?: boolean;
  /** Up to `Limits.topicMaxLength` characters. */
  topic?: string;
}
/** Changes a room's topic (empty: none) or privacy; owners and moderators only. */
export interface RoomUpdateRequest {
  room: string;
  topic?: string;
  private?: boolean;
  /**
   * Days this room keeps a message before deleting it, 1 to `Limits.retentionDaysMax`; null
   * keeps them as the server does. Owners and operators only; never longer than the server's
   * own retention (`RETENTION_DAYS`) when it has one.
   */
  retentionDays?: number | null;
}
/** Makes a user a moderator of the room, or a member again; owners only. */
export interface RoomRoleRequest {
  room: string;
  userId: string;
  role: 'moderator' | 'member';
}
/** A moderation action on one user in one room: kick, unban, unmute. */
export interface RoomUserRequest {
  room: string;
  userId: string;
}
/**
 * Lets a user join a private room: named by id (someone seen in a member list) or by
 * username (an account not seen anywhere yet), one or the other.
 */
export type RoomInviteRequest = { room: string } & ({ userId: string } | { username: string });
/** A ban or a mute; without `minutes`, until lifted. */
export interface SanctionRequest {
  room: string;
  userId: string;
  /** 1 to `Limits.sanctionMinutesMax` (a year). */
  minutes?: number;
  /** Shown to the user, up to `Limits.reasonMaxLength` characters. */
  reason?: string;
}
export interface RoomAuditRequest {
  room: string;
}
/**
 * Operators only: suspends an account (every session ends, sign-in refused), or lifts it
 * (`suspended: false`). The account is named by id or by username, one or the other: a
 * suspended user is in no member list, so lifting it usually goes by username.
 */
export type SuspendRequest = { suspended: boolean } & ({ userId: string } | { username: string });
/** The account `admin:suspend` acted on. */
export interface SuspendResult {
  userId: string;
}
/** Operators only: deletes a room, its history and its settings; everyone in it is removed. */
export interface RoomDeleteRequest {
  room: string;
}
/** Opens (or finds) the direct conversation of the signed-in user with these others. */
export interface DirectOpenRequest {
  /** The other participants' user ids: one to seven. */
  users: string[];
}
/** Records that the user has read a room up to a position (a message id or a change's `pos`). */
export interface ReadRequest {
  room: string;
  id: string;
}
/** Adds (`reaction:add`) or takes back (`reaction:remove`) one's reaction to a message. */
export interface ReactionRequest {
  room: string;
  id: string;
  emoji: string;
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
export type RoomsMineRequest = Record<string, never>;
/** Declines the signed-in user's own invitation to a room. */
export interface InvitationDeclineRequest {
  room: string;
}
/** `alive`: a no-op the client acks to tell a live connection from a dead one. */
export type AliveRequest = Record<string, never>;
export type RoomsStateRequest = Record<string, never>;
/** Marks every room the connection is in and every conversation of the user read. */
export type ReadAllRequest = Record<string, never>;

// Message reports: client → server payloads.
/** Reports a message of a room to its moderators. */
export interface ReportRequest {
  room: string;
  /** The reported message's id. */
  id: string;
  /** Why: 1 to `Limits.reasonMaxLength` characters once trimmed. */
  reason: string;
}
/** Lists a room's reports; owners and moderators only. */
export interface ReportsListRequest {
  room: string;
  /** Open reports (the default), or with `false` the resolved ones. */
  open?: boolean;
}
/** Marks a report resolved; owners and moderators only. */
export interface ReportResolveRequest {
  room: string;
  reportId: string;
}

// Ack results.
export interface JoinResult {
  room: string;
  /** The signed-in user as the others see them in `members` and in `presence` events. */
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
   * Why continuity broke, when `gap` is true: `trimmed` — messages after `since` are gone
   * (older than the room's retention, or, on a server that holds history in memory, more were
   * posted than it keeps per room); `too_many` — more changed since than a rejoin replays
   * (`HISTORY_LIMIT`): they are all still held, and `history` is the newest page, from which
   * `history:fetch` pages back; `unknown` — the server does not know `since` at all (it lost its history, for example a
   * restart with `STORE=memory`, or the id is not one of its).
   */
  gapReason?: GapReason;
  /** The room's newest position (absent while it holds nothing): the `since` that resumes here. */
  position?: string;
  /** Its owner, moderators, topic and privacy. */
  info: RoomInfo;
  /** The user is an operator (`ADMIN_USERS`): they rank above the room's owner. */
  operator?: true;
}
export type GapReason = 'trimmed' | 'too_many' | 'unknown';
export interface LeaveResult {
  room: string;
}
export interface SendResult {
  message: Message;
}
/** The message as the change left it, with its new `pos` (unchanged when nothing changed). */
export interface ChangeResult {
  message: Message;
}
export interface HistoryResult {
  /** Oldest first. */
  messages: Message[];
  hasMore: boolean;
}
export interface RoomSummary {
  name: string;
  /** People currently in the room, across every server node. */
  members: number;
  /** Joinable by invitation only; listed only to those who may join it. */
  private?: true;
}
export interface RoomsListResult {
  rooms: RoomSummary[];
}
/** An invitation to a private room, kept for the invitee until they join or decline it. */
export interface Invitation {
  room: string;
  /** Who invited them, as they were named then. */
  by: Member;
  /** When, in ms since the epoch. */
  at: number;
}
/** The signed-in user's own rooms and invitations, the same on every device. */
export interface RoomsMineResult {
  /** The chat rooms the user joined and has not left (direct conversations are in `rooms:state`). */
  rooms: string[];
  /** Pending invitations, oldest first. */
  invitations: Invitation[];
}
export interface InvitationDeclineResult {
  room: string;
}
/** What everyone may know of a room: who owns and moderates it, its topic, whether private. */
export interface RoomInfo {
  room: string;
  /** The owner's user id, absent for rooms nobody created (such as `general`). */
  owner?: string;
  moderators: string[];
  /**
   * The user ids of the operators (`ADMIN_USERS`) who have an account: they rank above the
   * owner in every room, so nobody else may act on them.
   */
  operators: string[];
  private: boolean;
  topic?: string;
  /**
   * How long the room's messages are kept: deleted `days` after they were sent, by the room's
   * own setting (`room`) or the server's (`server`), whichever is shorter. Absent: kept for good.
   */
  retention?: { days: number; by: 'room' | 'server' };
}
export interface RoomInfoResult {
  info: RoomInfo;
}
export interface RoomUserResult {
  room: string;
  userId: string;
}
export interface SanctionResult {
  room: string;
  userId: string;
  /** In ms since the epoch; absent: until lifted. */
  until?: number;
}
/** One moderation action as the room's audit list keeps it. */
export interface AuditRecord {
  at: number;
  by: string;
  action: string;
  target?: string;
  detail?: string;
}
export interface RoomAuditResult {
  /** Newest first. */
  entries: AuditRecord[];
  /** The users the entries name (`by` and `target`) as they are now, for their names. */
  people: Member[];
}
export interface DirectOpenResult {
  /** The conversation's room: the same for the same people, whoever opens it. */
  room: string;
  /** Everyone in it, the user included. */
  participants: Member[];
}
export interface ReadResult {
  room: string;
  /** The marker now: never earlier than before. */
  id: string;
}
/** One room the user has read before, or a conversation they are in, with what is unread. */
export interface RoomState {
  room: string;
  /** Messages of others after the read marker (tombstones excepted). */
  unread: number;
  /** Those of them that mention the user. */
  mentions: number;
  /** The read marker, absent if the user has never read the room. */
  read?: string;
  /** For a direct conversation: everyone in it. */
  participants?: Member[];
}
export interface RoomsStateResult {
  rooms: RoomState[];
}
export interface ReadAllResult {
  /** Each room and conversation marked, with its marker now. */
  rooms: ReadResult[];
}

// Message reports: ack results.
/**
 * A member's report of a message to the room's moderators. One per user and message: a
 * second report of the same message by the same user is the first one again.
 */
export interface Report {
  id: string;
  room: string;
  /** The reported message's id. */
  messageId: string;
  /** The user id of whoever reported it. */
  by: string;
  reason: string;
  /** When it was filed, in ms since the epoch. */
  at: number;
  /**
   * The reported message as it was when reported, its author and whole text: what was
   * reported stays readable after an edit, a deletion, or the room's history moving on.
   * Absent for reports filed before the server kept it.
   */
  quote?: ReportQuote;
  /** Absent while open: who resolved it and when. */
  resolved?: { by: string; at: number };
}
export interface ReportQuote {
  author: Author;
  text: string;
}
export interface ReportResult {
  report: Report;
}
export interface ReportsListResult {
  /** Newest first (resolved ones: most recently resolved first). */
  reports: Report[];
}

// Server → client payloads.
/**
 * A change of who is in a room. `join` when a user's first connection enters it, `leave`
 * when their last one has been gone for the grace period (`PRESENCE_GRACE_MS`), so that a
 * reload or a reconnect makes no noise; `rename` when a member changed their display name
 * (`member` carries the new one).
 */
export interface PresenceEvent {
  room: string;
  action: 'join' | 'leave' | 'rename';
  member: Member;
  /** With `rename`: the name before. */
  previousName?: string;
  /** Members (people, not connections) in the room after this change. */
  count: number;
}
/** Why the server ended a connection's session. */
export type SessionEndReason = 'logout' | 'expired' | 'suspended';
/** Sent just before the server disconnects a connection whose session ended. */
export interface SessionEndedEvent {
  reason: SessionEndReason;
}
/**
 * A moderation action, told to the room (and to the user acted on): `kick`, `ban`, `mute`,
 * `unban`, `unmute`, `role` (with `role`), `update` (the room's settings changed; see `info`).
 */
export interface ModerationEvent {
  room: string;
  action: 'kick' | 'ban' | 'unban' | 'mute' | 'unmute' | 'role' | 'update';
  by: Member;
  target?: Member;
  /** `ban` and `mute`: until when (absent: until lifted). */
  until?: number;
  reason?: string;
  /** `role`: the target's role now. */
  role?: 'moderator' | 'member';
  /** The room's settings now (every action sends them, so member lists stay right). */
  info: RoomInfo;
}
/**
 * The user joined (`join`) or left (`leave`) a room on another of their connections: sent to
 * the user's other tabs and devices, which follow.
 */
export interface MembershipEvent {
  room: string;
  action: 'join' | 'leave';
}
/** A new invitation (`invitation`), or one answered on some tab (`invitation:gone`). */
export interface InvitationEvent {
  invitation: Invitation;
}
export interface InvitationGoneEvent {
  room: string;
}
/** This connection was taken out of a room (kicked, banned, or the room deleted). */
export interface RemovedEvent {
  room: string;
  reason: 'kick' | 'ban' | 'deleted';
  by: Member;
  until?: number;
  message?: string;
}
/** A message named the user: sent to all their connections, whether or not in the room. */
export interface MentionEvent {
  message: Message;
}
/** A message was deleted; it stays as a tombstone at `pos`. */
export interface DeletedEvent {
  room: string;
  id: string;
  /** The position of the deletion. */
  pos: string;
  /** The room's position before it, as in `Message.prev`. */
  prev?: string;
  /** Removed by a moderator of the room, not by its author. */
  removedByModerator?: true;
}
export interface TypingEvent {
  room: string;
  member: Member;
  typing: boolean;
}

// Message reports: server → client payloads.
/** A new report, sent to every connection of the room's owner, its moderators and the operators. */
export interface ReportEvent {
  report: Report;
  /** The reported message as it was when reported. */
  message: Message;
}
/** A report was resolved, sent to the same people as `report`. */
export interface ReportResolvedEvent {
  report: Report;
}

export const ClientEvent = {
  roomJoin: 'room:join',
  roomLeave: 'room:leave',
  messageSend: 'message:send',
  messageEdit: 'message:edit',
  messageDelete: 'message:delete',
  reactionAdd: 'reaction:add',
  reactionRemove: 'reaction:remove',
  historyFetch: 'history:fetch',
  typing: 'typing',
  roomsList: 'rooms:list',
  roomsState: 'rooms:state',
  roomsMine: 'rooms:mine',
  invitationDecline: 'invitation:decline',
  directOpen: 'dm:open',
  roomRead: 'room:read',
  roomsReadAll: 'rooms:read-all',
  roomCreate: 'room:create',
  roomUpdate: 'room:update',
  roomRole: 'room:role',
  roomInvite: 'room:invite',
  roomKick: 'room:kick',
  roomBan: 'room:ban',
  roomUnban: 'room:unban',
  roomMute: 'room:mute',
  roomUnmute: 'room:unmute',
  roomAudit: 'room:audit',
  adminSuspend: 'admin:suspend',
  adminDeleteRoom: 'admin:delete-room',
  // Message reports.
  messageReport: 'message:report',
  reportsList: 'reports:list',
  reportResolve: 'report:resolve',
  // Liveness.
  alive: 'alive',
} as const;
export type ClientEventName = (typeof ClientEvent)[keyof typeof ClientEvent];

export const ServerEvent = {
  message: 'message',
  messageUpdated: 'message:updated',
  messageDeleted: 'message:deleted',
  mention: 'mention',
  read: 'room:read',
  moderation: 'moderation',
  removed: 'room:removed',
  presence: 'presence',
  typing: 'typing',
  sessionEnded: 'session:ended',
  resync: 'resync',
  membership: 'room:membership',
  invitation: 'invitation',
  invitationGone: 'invitation:gone',
  // Message reports.
  report: 'report',
  reportResolved: 'report:resolved',
} as const;
export type ServerEventName = (typeof ServerEvent)[keyof typeof ServerEvent];

export interface ClientToServerEvents {
  'room:join': (payload: JoinRequest, ack: AckCallback<JoinResult>) => void;
  'room:leave': (payload: LeaveRequest, ack: AckCallback<LeaveResult>) => void;
  'message:send': (payload: SendRequest, ack: AckCallback<SendResult>) => void;
  'message:edit': (payload: EditRequest, ack: AckCallback<ChangeResult>) => void;
  'message:delete': (payload: DeleteRequest, ack: AckCallback<ChangeResult>) => void;
  'reaction:add': (payload: ReactionRequest, ack: AckCallback<ChangeResult>) => void;
  'reaction:remove': (payload: ReactionRequest, ack: AckCallback<ChangeResult>) => void;
  'history:fetch': (payload: HistoryRequest, ack: AckCallback<HistoryResult>) => void;
  typing: (payload: TypingRequest) => void;
  'rooms:list': (payload: RoomsListRequest, ack: AckCallback<RoomsListResult>) => void;
  'rooms:state': (payload: RoomsStateRequest, ack: AckCallback<RoomsStateResult>) => void;
  'rooms:mine': (payload: RoomsMineRequest, ack: AckCallback<RoomsMineResult>) => void;
  'invitation:decline': (
    payload: InvitationDeclineRequest,
    ack: AckCallback<InvitationDeclineResult>,
  ) => void;
  'dm:open': (payload: DirectOpenRequest, ack: AckCallback<DirectOpenResult>) => void;
  'room:read': (payload: ReadRequest, ack: AckCallback<ReadResult>) => void;
  'rooms:read-all': (payload: ReadAllRequest, ack: AckCallback<ReadAllResult>) => void;
  'room:create': (payload: RoomCreateRequest, ack: AckCallback<RoomInfoResult>) => void;
  'room:update': (payload: RoomUpdateRequest, ack: AckCallback<RoomInfoResult>) => void;
  'room:role': (payload: RoomRoleRequest, ack: AckCallback<RoomInfoResult>) => void;
  'room:invite': (payload: RoomInviteRequest, ack: AckCallback<RoomUserResult>) => void;
  'room:kick': (payload: RoomUserRequest, ack: AckCallback<RoomUserResult>) => void;
  'room:ban': (payload: SanctionRequest, ack: AckCallback<SanctionResult>) => void;
  'room:unban': (payload: RoomUserRequest, ack: AckCallback<RoomUserResult>) => void;
  'room:mute': (payload: SanctionRequest, ack: AckCallback<SanctionResult>) => void;
  'room:unmute': (payload: RoomUserRequest, ack: AckCallback<RoomUserResult>) => void;
  'room:audit': (payload: RoomAuditRequest, ack: AckCallback<RoomAuditResult>) => void;
  'admin:suspend': (payload: SuspendRequest, ack: AckCallback<SuspendResult>) => void;
  'admin:delete-room': (payload: RoomDeleteRequest, ack: AckCallback<{ room: string }>) => void;
  // Message reports.
  'message:report': (payload: ReportRequest, ack: AckCallback<ReportResult>) => void;
  'reports:list': (payload: ReportsListRequest, ack: AckCallback<ReportsListResult>) => void;
  'report:resolve': (payload: ReportResolveRequest, ack: AckCallback<ReportResult>) => void;
  // Liveness.
  alive: (payload: AliveRequest, ack: AckCallback) => void;
}

export interface ServerToClientEvents {
  message: (message: Message) => void;
  /** An edit or a reaction: the whole message as it is now, with `pos` and `prev`. */
  'message:updated': (message: Message) => void;
  'message:deleted': (event: DeletedEvent) => void;
  /** A message named this user (on every one of their connections). */
  mention: (event: MentionEvent) => void;
  /** Another connection of this user read a room up to `id`. */
  'room:read': (event: ReadResult) => void;
  moderation: (event: ModerationEvent) => void;
  'room:removed': (event: RemovedEvent) => void;
  presence: (event: PresenceEvent) => void;
  typing: (event: TypingEvent) => void;
  'session:ended': (event: SessionEndedEvent) => void;
  /**
   * This node's link to the other nodes was down (Redis away) and is back: broadcasts sent
   * meanwhile may never have arrived. Rejoin every room with `since` to catch up.
   */
  resync: (event: Record<string, never>) => void;
  /** This user joined or left a room on another connection. */
  'room:membership': (event: MembershipEvent) => void;
  /** This user was invited to a private room (on every one of their connections). */
  invitation: (event: InvitationEvent) => void;
  /** This user's invitation to a room was accepted (joined) or declined, on some connection. */
  'invitation:gone': (event: InvitationGoneEvent) => void;
  // Message reports.
  /** A member reported a message of a room this user owns or moderates (or, to an operator, any). */
  report: (event: ReportEvent) => void;
  /** A moderator resolved a report of a room this user owns or moderates (or, to an operator, any). */
  'report:resolved': (event: ReportResolvedEvent) => void;
}

/**
 * The `auth` object a client may pass to `io(url, { auth })`. Browsers need none: the session
 * cookie authenticates them. Programs pass the session token they got from the HTTP API
 * (`session`), or a JWT from the host application (`token`) when the server is set up for it.
 */
export interface HandshakeAuth {
  session?: string;
  token?: string;
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
