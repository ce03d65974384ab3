import type {
  JoinResult,
  Member,
  Message,
  ModerationEvent,
  PresenceEvent,
  RoomInfo,
} from '../../../common/contract.js';
import { roleIn, type Role } from '../../../common/roles.js';
import { RoomPresence } from './presence.js';
import { RoomReports } from './reports.js';
import { compareIds, Timeline } from './timeline.js';

import { isDirectRoom } from '../../../common/contract.js';

export { isDirectRoom };
import type { Timer, Timers } from '../../../common/timers.js';

/** One room as this client holds it: its timeline, who is there, what is unread. */
export class Room {
  readonly timeline = new Timeline();
  readonly presence: RoomPresence;
  /** A public room, or a direct conversation (whose name starts with `dm-`). */
  readonly kind: 'room' | 'direct';
  /** Everyone in a direct conversation, once known. */
  participants: Member[] = [];
  /** Owner, moderators, topic and privacy, from the last join ack or `moderation` event. */
  info: RoomInfo | undefined;
  /**
   * Bans and mutes announced while this client was in the room, by user id, with when they
   * end (absent: until lifted). Only what this client saw: the server holds the full list.
   */
  readonly banned = new Map<string, { member: Member; until?: number }>();
  readonly muted = new Map<string, { member: Member; until?: number }>();
  /** Open reports, while the user ranks moderator or above here (chat.ts keeps them). */
  readonly reports = new RoomReports();
  /** Messages of others not yet read, and those of them that mention the user. */
  unread = 0;
  mentions = 0;
  /** How far the user has read, as the server keeps it for all their devices. */
  readUpTo: string | undefined;
  /**
   * The first message that was new when the room last came into view: the page draws a
   * "New messages" divider before it. Undefined when nothing was new.
   */
  dividerAt: string | undefined;
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
  /** A read marker waiting to be sent (chat.ts coalesces them). */
  readSoon: Timer | undefined;

  constructor(
    readonly name: string,
    timers: Timers,
  ) {
    this.presence = new RoomPresence(timers);
    this.kind = isDirectRoom(name) ? 'direct' : 'room';
  }

  /** A user's role here, as the room's info names it. */
  roleOf(userId: string): Role {
    return this.kind === 'direct' ? 'member' : roleIn(this.info, userId);
  }

  /**
   * Applies a moderation action: the room's new settings, the sanctions known, and a notice
   * in the timeline. `self` is the user's id; `now` the time of arrival, in ms.
   */
  applyModeration(event: ModerationEvent, self: string, now: number): void {
    // The notice keeps the settings as they were, so that the page can say what changed.
    const notice = { type: 'moderation', event, before: this.info, self, at: now } as const;
    this.info = event.info;
    const target = event.target;
    if (target) {
      const sanction = {
        member: target,
        ...(event.until === undefined ? {} : { until: event.until }),
      };
      if (event.action === 'ban') this.banned.set(target.id, sanction);
      else if (event.action === 'unban') this.banned.delete(target.id);
      else if (event.action === 'mute') this.muted.set(target.id, sanction);
      else if (event.action === 'unmute') this.muted.delete(target.id);
    }
    this.timeline.notice(notice);
  }

  /** A user's mute here while it is in force at `now`, as far as this client saw it. */
  muteOf(userId: string, now: number): { until?: number } | undefined {
    const mute = this.muted.get(userId);
    return mute && (mute.until === undefined || mute.until > now) ? mute : undefined;
  }

  /** What the room is called on screen: a conversation by the others in it. */
  title(self: string): string {
    if (this.kind === 'room') return this.name;
    const others = this.participants.filter((p) => p.id !== self).map((p) => p.name);
    return others.length > 0 ? others.join(', ') : 'Direct conversation';
  }

  /** The messages of others after `position`, tombstones excepted, and those naming `self`. */
  countAfter(position: string | undefined, self: string): { unread: number; mentions: number } {
    let unread = 0;
    let mentions = 0;
    for (const item of this.timeline.items) {
      if (item.kind !== 'message') continue;
      const m = item.message;
      if (m.author.id === self || m.deleted) continue;
      if (position !== undefined && compareIds(m.id, position) <= 0) continue;
      unread++;
      if (m.mentions?.some((u) => u.id === self)) mentions++;
    }
    return { unread, mentions };
  }

  /** Unread messages were counted but are not held yet: the divider waits for the join. */
  private dividerPending = false;

  /** The room came into view: mark where the new messages start, and count them read. */
  opened(self: string): void {
    this.dividerAt = undefined;
    this.dividerPending = this.unread > 0;
    this.placeDivider(self);
    this.unread = 0;
    this.mentions = 0;
  }

  /** Puts the divider before the first message of others after the read marker, once held. */
  placeDivider(self: string): void {
    if (!this.dividerPending) return;
    for (const item of this.timeline.items) {
      if (item.kind !== 'message' || item.message.author.id === self) continue;
      if (this.readUpTo === undefined || compareIds(item.message.id, this.readUpTo) > 0) {
        this.dividerAt = item.message.id;
        this.dividerPending = false;
        return;
      }
    }
  }

  /** The `since` of the next join attempt (see `resume`). */
  resumeSince(marginMs: number): string | undefined {
    this.resume ??= { since: this.timeline.resumeId(marginMs) };
    return this.resume.since;
  }

  /**
   * A join was acknowledged: members and continuity are updated; returns the messages to show.
   * After a long absence (`too_many`) the timeline starts again from the newest page, so that
   * "load earlier" pages back through everything missed: kept, the old messages would leave
   * a hole between them and the page that paging back from the oldest could never reach.
   * Messages waiting to be sent are the outbox's, not the timeline's, and stay.
   */
  applyJoin(ack: JoinResult): Message[] {
    this.joined = true;
    this.resume = undefined;
    this.info = ack.info;
    const restart = ack.gap && ack.gapReason === 'too_many' && this.timeline.messageCount > 0;
    if (restart) {
      this.timeline.restartAt(ack.history[0]?.id);
      this.timeline.hasMore = ack.hasMore;
      // Before the page (and before live messages kept): older pages load above it.
      this.timeline.notice({ type: 'gap', reason: 'too_many' }, 'warning', true);
    }
    this.presence.joined(ack.members, (member) => {
      this.timeline.notice({ type: 'left', name: member.name });
    });
    const first = this.timeline.messageCount === 0;
    if (ack.gap) this.timeline.breakContinuity();
    if (ack.gap && !first && !restart) {
      this.timeline.notice({ type: 'gap', reason: ack.gapReason ?? 'unknown' }, 'warning');
    }
    if (first) this.timeline.hasMore = ack.hasMore;
    return ack.history;
  }

  /** The connection dropped: the room must be joined again. */
  disconnected(): void {
    this.joined = false;
    this.catchUp?.cancel();
    this.catchUp = undefined;
    this.readSoon?.cancel();
    this.readSoon = undefined;
    this.presence.clearTyping();
    this.presence.connectionLost();
  }

  /** Applies a presence event, with a notice when someone came, went or changed name. */
  applyPresence(event: PresenceEvent): void {
    if (!this.presence.apply(event)) return;
    const { name } = event.member;
    if (event.action === 'rename') {
      this.timeline.notice({
        type: 'renamed',
        name,
        ...(event.previousName === undefined ? {} : { previousName: event.previousName }),
      });
    } else {
      this.timeline.notice({ type: event.action === 'join' ? 'joined' : 'left', name });
    }
  }
}
