import type { GapReason, JoinResult, Message, PresenceEvent } from '../../common/contract.js';
import { RoomPresence } from './presence.js';
import { Timeline } from './timeline.js';
import type { Timer, Timers } from '../../common/timers.js';

/** What the timeline says when the server could not replay everything since the last visit. */
const GAP_NOTICES: Record<GapReason, string> = {
  trimmed:
    'Some messages are missing: more were posted while you were away than this room keeps, and the oldest of them are gone.',
  unknown:
    'Some messages may be missing: the server no longer has the history you last saw (it may have restarted without keeping it).',
};

/** One room as this client holds it: its timeline, who is there, what is unread. */
export class Room {
  readonly timeline = new Timeline();
  readonly presence: RoomPresence;
  unread = 0;
  /** Joined on the current connection; sends wait for this. */
  joined = false;
  loadingEarlier = false;
  /**
   * Where the join under way resumes from, fixed at its first attempt and kept through
   * retries (and reconnections) until a join is acknowledged. Live messages that arrive
   * meanwhile are shown but must not move it: the server has not yet proved that nothing
   * between this point and them is missing, and a retry from them would skip it.
   */
  private resume: { since: string | undefined } | undefined;
  /** A catch-up waiting to see whether a missing message arrives after all (chat.ts). */
  catchUp: Timer | undefined;

  constructor(
    readonly name: string,
    timers: Timers,
  ) {
    this.presence = new RoomPresence(timers);
  }

  /** The `since` of the next join attempt (see `resume`). */
  resumeSince(marginMs: number): string | undefined {
    this.resume ??= { since: this.timeline.resumeId(marginMs) };
    return this.resume.since;
  }

  /** A join was acknowledged: members and continuity are updated; returns the messages to show. */
  applyJoin(ack: JoinResult): Message[] {
    this.joined = true;
    this.resume = undefined;
    this.presence.joined(ack.members);
    const first = this.timeline.messageCount === 0;
    if (ack.gap) this.timeline.breakContinuity();
    if (ack.gap && !first) this.timeline.notice(GAP_NOTICES[ack.gapReason ?? 'unknown'], 'warning');
    if (first) this.timeline.hasMore = ack.hasMore;
    return ack.history;
  }

  /** The connection dropped: the room must be joined again. */
  disconnected(): void {
    this.joined = false;
    this.catchUp?.cancel();
    this.catchUp = undefined;
    this.presence.clearTyping();
  }

  /** Applies a presence event, with a notice when someone came, went or changed name. */
  applyPresence(event: PresenceEvent): void {
    if (!this.presence.apply(event)) return;
    const { name } = event.member;
    if (event.action === 'rename') {
      this.timeline.notice(`${event.previousName ?? 'Someone'} is now ${name}`);
    } else {
      this.timeline.notice(`${name} ${event.action === 'join' ? 'joined' : 'left'}`);
    }
  }
}
