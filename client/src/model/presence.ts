import type { Member, PresenceEvent, TypingEvent } from '../../../common/contract.js';
import type { Timer, Timers } from '../../../common/timers.js';

/** A typing indicator disappears this long after the last `typing: true`, in ms. */
export const TYPING_EXPIRY_MS = 5000;

/**
 * After a reconnect, how long someone listed before the connection dropped may take to be
 * back before they are said to have left, in ms. A restarted server forgets who was in a
 * room, so everyone's return is a join to it: within this time, one that is no news.
 */
export const RETURN_GRACE_MS = 30_000;

/**
 * Who is in one room and who is typing there, as this client knows it from join acks and
 * `presence` / `typing` events.
 */
export class RoomPresence {
  readonly members = new Map<string, Member>();
  /** People in the room, as the newest event or join said. */
  count = 0;
  readonly typing = new Map<string, { member: Member; timer: Timer }>();
  /**
   * Presence events that arrive while a join is on its way. The ack's member list is a
   * snapshot that may predate them, so they are applied again on top of it.
   */
  private duringJoin: PresenceEvent[] | undefined;
  /** The connection dropped since the last join: who was listed then is to be checked. */
  private lost = false;
  /**
   * People listed before the connection dropped whom the join after it did not list: their
   * join is no news until the timer says they have left.
   */
  private readonly returning = new Map<string, { member: Member; timer: Timer | undefined }>();

  constructor(private readonly timers: Timers) {}

  /** The connection dropped: whoever is listed is remembered, for their return to be quiet. */
  connectionLost(): void {
    this.lost = true;
    for (const entry of this.returning.values()) {
      entry.timer?.cancel();
      entry.timer = undefined;
    }
  }

  /** A `room:join` is on its way: keep the events that arrive meanwhile. */
  joining(): void {
    this.duringJoin = [];
  }

  /**
   * The join's member list arrived: it replaces what was known, then the kept events apply.
   * After a dropped connection, `onGone` hears of each person listed before it who is not
   * back within RETURN_GRACE_MS.
   */
  joined(members: Member[], onGone: (member: Member) => void = () => undefined): void {
    const before = this.lost ? this.listedBeforeDrop() : [];
    this.lost = false;
    this.members.clear();
    for (const m of members) this.members.set(m.id, m);
    for (const event of this.duringJoin ?? []) applyPresence(this.members, event);
    this.duringJoin = undefined;
    this.count = this.members.size;
    for (const m of before) {
      if (this.members.has(m.id)) this.returning.delete(m.id);
      else this.awaitReturn(m, onGone);
    }
  }

  private listedBeforeDrop(): Member[] {
    const byId = new Map([...this.returning].map(([id, entry]) => [id, entry.member]));
    for (const [id, m] of this.members) byId.set(id, m);
    return [...byId.values()];
  }

  private awaitReturn(member: Member, onGone: (member: Member) => void): void {
    this.returning.get(member.id)?.timer?.cancel();
    const timer = this.timers.after(RETURN_GRACE_MS, () => {
      this.returning.delete(member.id);
      onGone(member);
    });
    this.returning.set(member.id, { member, timer });
  }

  /** Whether an event is about someone awaited back after a reconnect; settles their case. */
  private settleReturn(event: PresenceEvent): boolean {
    const entry = this.returning.get(event.member.id);
    if (!entry) return false;
    if (event.action === 'rename') {
      entry.member = event.member;
      return false;
    }
    entry.timer?.cancel();
    this.returning.delete(event.member.id);
    return true;
  }

  /** Applies a presence event; returns true when it changed who is listed (worth a notice). */
  apply(event: PresenceEvent): boolean {
    this.count = event.count;
    this.duringJoin?.push(event);
    const returned = this.settleReturn(event);
    const known = this.members.has(event.member.id) || (returned && event.action === 'join');
    applyPresence(this.members, event);
    if (event.action === 'leave') this.stopTyping(event.member.id);
    const typing = this.typing.get(event.member.id);
    if (event.action === 'rename' && typing) typing.member = event.member;
    // A join of someone listed (a second node announcing them, or someone back after a
    // reconnect) or a leave of someone not listed is not news; the leave of someone awaited
    // back is.
    if (returned && event.action === 'leave') return true;
    return event.action === 'join' ? !known : known;
  }

  /** Shows or clears a typing indicator, which expires by itself. */
  onTyping(event: TypingEvent, onExpire: () => void): void {
    this.stopTyping(event.member.id);
    if (!event.typing) return;
    const timer = this.timers.after(TYPING_EXPIRY_MS, () => {
      this.typing.delete(event.member.id);
      onExpire();
    });
    this.typing.set(event.member.id, { member: event.member, timer });
  }

  stopTyping(memberId: string): void {
    this.typing.get(memberId)?.timer.cancel();
    this.typing.delete(memberId);
  }

  /** The connection dropped: nobody is known to be typing any more. */
  clearTyping(): void {
    for (const id of [...this.typing.keys()]) this.stopTyping(id);
  }
}

function applyPresence(members: Map<string, Member>, event: PresenceEvent): void {
  if (event.action === 'leave') members.delete(event.member.id);
  else if (event.action === 'join' || members.has(event.member.id)) {
    members.set(event.member.id, event.member);
  }
}
