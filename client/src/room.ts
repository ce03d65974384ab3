import type { JoinResult, Message, PresenceEvent } from '../../common/contract.js';
import { RoomPresence } from './presence.js';
import { Timeline } from './timeline.js';
import type { Timers } from './timers.js';

const GAP_NOTICE =
  'Some messages may be missing: the server could not replay everything since you were last connected.';

/** One room as this client holds it: its timeline, who is there, what is unread. */
export class Room {
  readonly timeline = new Timeline();
  readonly presence: RoomPresence;
  unread = 0;
  /** Joined on the current connection; sends wait for this. */
  joined = false;
  loadingEarlier = false;

  constructor(
    readonly name: string,
    timers: Timers,
  ) {
    this.presence = new RoomPresence(timers);
  }

  /** A join was acknowledged: members and continuity are updated; returns the messages to show. */
  applyJoin(ack: JoinResult): Message[] {
    this.joined = true;
    this.presence.joined(ack.members);
    const first = this.timeline.messageCount === 0;
    if (ack.gap && !first) this.timeline.notice(GAP_NOTICE, 'warning');
    if (first) this.timeline.hasMore = ack.hasMore;
    return ack.history;
  }

  /** The connection dropped: the room must be joined again. */
  disconnected(): void {
    this.joined = false;
    this.presence.clearTyping();
  }

  /** Applies a presence event, with a notice when someone came or went. */
  applyPresence(event: PresenceEvent): void {
    if (this.presence.apply(event)) {
      this.timeline.notice(`${event.member.name} ${event.action === 'join' ? 'joined' : 'left'}`);
    }
  }
}
