import type {
  GapReason,
  ModerationEvent,
  RemovedEvent,
  RoomInfo,
  SessionEndReason,
} from '../../../common/contract.js';

/**
 * What the chat has to tell the user, as facts; the page words them (ui/notice-text.ts), so
 * that the model holds no page text and a program reading it gets the facts themselves.
 */

/** A line of a room's timeline that is not a message. */
export type Notice =
  | { type: 'joined' | 'left'; name: string }
  | { type: 'renamed'; name: string; previousName?: string }
  /** The server could not replay everything since the last visit. */
  | { type: 'gap'; reason: GapReason }
  /**
   * A moderation action, with the room's settings as they were before it (to say what
   * changed), the user's id (to say "you") and its time of arrival (for a sanction's length).
   */
  | {
      type: 'moderation';
      event: ModerationEvent;
      before: RoomInfo | undefined;
      self: string;
      at: number;
    };

/** Why the user is not in a room they asked for, or were in. */
export type JoinProblem =
  /** The server refused the join; `message` is its sentence. */
  | { type: 'refused'; message: string; until?: number }
  /** A moderator or an operator took the user out; `self` is the user's id. */
  | { type: 'removed'; event: RemovedEvent; self: string };

/** Why the session ended: by the server's word, or a handshake refused with its sentence. */
export type SessionEnd = { reason: SessionEndReason } | { reason: 'refused'; message: string };
