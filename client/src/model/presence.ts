import type { Member, PresenceEvent, TypingEvent } from '../../../common/contract.js';
import type { Timer, Timers } from '../../../common/timers.js';

/** A typing indicator disappears this long after the last `typing: true`, in ms. */
export const TYPING_EXPIRY_MS = 5000;

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

  constructor(private readonly timers: Timers) {}

  /** A `room:join` is on its way: keep the events that arrive meanwhile. */
  joining(): void {
    this.duringJoin = [];
  }

  /** The join's member list arrived: it replaces what was known, then the kept events apply. */
  joined(members: Member[]): void {
    this.members.clear();
    for (const m of members) this.members.set(m.id, m);
    for (const event of this.duringJoin ?? []) applyPresence(this.members, event);
    this.duringJoin = undefined;
    this.count = this.members.size;
  }

  /** Applies a presence event; returns true when it changed who is listed (worth a notice). */
  apply(event: PresenceEvent): boolean {
    this.count = event.count;
    this.duringJoin?.push(event);
    const known = this.members.has(event.member.id);
    applyPresence(this.members, event);
    if (event.action === 'leave') this.stopTyping(event.member.id);
    const typing = this.typing.get(event.member.id);
    if (event.action === 'rename' && typing) typing.member = event.member;
    // A join of someone listed (a second node announcing them) or a leave of someone not
    // listed is not news.
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
