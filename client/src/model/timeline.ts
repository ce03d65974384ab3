import { Limits, type Message } from '../../../common/contract.js';
import type { Notice } from './notices.js';

export type TimelineItem =
  | { kind: 'message'; key: string; message: Message; own: boolean }
  | { kind: 'notice'; key: string; notice: Notice; tone: 'info' | 'warning' };

/** Positions remembered for choosing where to resume from; older arrivals are forgotten. */
const RECENT_MAX = 500;
/** Positions of changes remembered for telling a missed one; older ones are forgotten. */
const CHANGES_MAX = 2000;

/** A position of the room (a message's id, or a change's) and the time it carries, in ms. */
interface Seen {
  pos: string;
  ts: number;
}

const msOf = (pos: string): number => Number(/^(\d+)-/.exec(pos)?.[1] ?? 0);

/** Where a message stands now: its latest change, or its creation. */
export const positionOf = (m: Message): string => m.pos ?? m.id;

/** What happened when a message reached the timeline. */
export type Arrival = 'new' | 'updated' | 'held';

/**
 * Orders two message ids of one room. The contract makes ids `<ms>-<seq>`, strictly
 * increasing within a room; anything else compares as equal, which keeps arrival order.
 */
export function compareIds(a: string, b: string): number {
  const pa = /^(\d+)-(\d+)$/.exec(a);
  const pb = /^(\d+)-(\d+)$/.exec(b);
  if (!pa || !pb) return 0;
  return Number(pa[1]) - Number(pb[1]) || Number(pa[2]) - Number(pb[2]);
}

/**
 * The messages and notices of one room, in display order, each message once. A message
 * normally arrives after everything held (live, or replayed on a join) and is appended; one
 * that fills a hole (a replay bringing what a lost broadcast never delivered) goes in its
 * place by id, before the newer ones already shown. Fetched pages are older than all.
 */
export class Timeline {
  readonly items: TimelineItem[] = [];
  /** Numbers this timeline's notices, for their keys. */
  private noticeSeq = 0;
  private readonly ids = new Set<string>();
  /** Positions of changes seen (bounded), besides the ids of the messages held. */
  private readonly changes = new Set<string>();
  /** The newest position received from the server. */
  newestId: string | undefined;
  /** Positions received since continuity was last broken, in arrival order (bounded). */
  private readonly recent: Seen[] = [];
  /** Older messages can be fetched. */
  hasMore = false;
  /**
   * The first message of the page the timeline last started again from (`restartAt`): the
   * page's changed messages belong before the live ones kept, not among the older ones.
   */
  private pageStart: string | undefined;

  get messageCount(): number {
    return this.ids.size;
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  /** The message with this id, as held now. */
  get(id: string): Message | undefined {
    for (const item of this.items)
      if (item.kind === 'message' && item.key === id) return item.message;
    return undefined;
  }

  /** This position (a message's or a change's) has reached this client. */
  knows(pos: string): boolean {
    return this.ids.has(pos) || this.changes.has(pos);
  }

  /**
   * Records a position reached without a message to show (the room's newest when joining, a
   * change to a message older than those held), for resuming and for telling what is missed.
   */
  reached(pos: string): void {
    this.changes.add(pos);
    if (this.changes.size > CHANGES_MAX) {
      const oldest = this.changes.values().next().value;
      if (oldest !== undefined) this.changes.delete(oldest);
    }
    this.see(pos, msOf(pos));
  }

  /** Replies held that quote `original` show it as it is now (no text once deleted). */
  private requote(original: Message): void {
    this.items.forEach((item, i) => {
      if (item.kind !== 'message' || item.message.replyTo?.id !== original.id) return;
      const { author } = item.message.replyTo;
      const replyTo = original.deleted
        ? { id: original.id, author, text: '', deleted: true as const }
        : {
            id: original.id,
            author,
            text: Array.from(original.text).slice(0, Limits.quoteMaxLength).join(''),
          };
      this.items[i] = { ...item, message: { ...item.message, replyTo } };
    });
  }

  /** The room's newest position when it was joined: known, though nothing shows it. */
  noteHead(pos: string): void {
    this.changes.add(pos);
  }

  private see(pos: string, ts: number): void {
    if (this.newestId === undefined || compareIds(pos, this.newestId) >= 0) this.newestId = pos;
    this.recent.push({ pos, ts });
    if (this.recent.length > RECENT_MAX) this.recent.shift();
  }

  /**
   * The id to rejoin with (`since`). Not simply the newest message held: an ack of this
   * client's own message, or a broadcast relayed by a quicker node, can arrive before an
   * older message that was still on its way when the connection dropped, and resuming after
   * the newest would skip that one for good. So this picks the newest message stored at
   * least `marginMs` before the newest one held, among those received since continuity was
   * last broken; the replay then repeats the last moments, which the timeline dedupes.
   */
  resumeId(marginMs: number): string | undefined {
    const first = this.recent[0];
    if (first === undefined) return this.newestId;
    let newestTs = first.ts;
    for (const m of this.recent) newestTs = Math.max(newestTs, m.ts);
    let pick: Seen | undefined;
    for (const m of this.recent) {
      if (m.ts <= newestTs - marginMs && (pick === undefined || m.ts >= pick.ts)) pick = m;
    }
    return (pick ?? first).pos;
  }

  /** The server could not replay what was missed: resume only from what comes next. */
  breakContinuity(): void {
    this.recent.length = 0;
  }

  /**
   * Starts again from a page the server sends after a long absence: forgets every message
   * older than `oldest` (the page's first, or every message when undefined) and the notices
   * among them. Kept, they would leave a hole before the page that "load earlier", paging
   * back from the oldest message held, could never fill. Messages from `oldest` on stay:
   * live ones that came while the join was answered may be newer than the page.
   */
  restartAt(oldest: string | undefined): void {
    const kept =
      oldest === undefined
        ? -1
        : this.items.findIndex(
            (item) => item.kind === 'message' && compareIds(item.message.id, oldest) >= 0,
          );
    const dropped = this.items.splice(0, kept < 0 ? this.items.length : kept);
    for (const item of dropped) if (item.kind === 'message') this.ids.delete(item.key);
    this.recent.length = 0;
    this.hasMore = false;
    this.pageStart = oldest;
  }

  /** The oldest message held, the cursor for "load earlier". */
  oldestId(): string | undefined {
    for (const item of this.items) if (item.kind === 'message') return item.message.id;
    return undefined;
  }

  /**
   * Adds a message in its place (at the end, unless it fills a hole), or replaces the one
   * held when this is a later state of it (edited, deleted, reacted to). A change to a
   * message older than every one held is only noted: "load earlier" fetches it as it is.
   */
  append(message: Message, own: boolean): Arrival {
    const pos = positionOf(message);
    if (this.ids.has(message.id)) {
      if (message.pos !== undefined) this.reached(message.pos);
      const index = this.items.findIndex((i) => i.kind === 'message' && i.key === message.id);
      const item = this.items[index];
      if (item?.kind !== 'message' || compareIds(pos, positionOf(item.message)) <= 0) return 'held';
      this.items[index] = { ...item, message };
      this.requote(message);
      return 'updated';
    }
    const oldest = this.oldestId();
    const older = oldest !== undefined && compareIds(message.id, oldest) < 0;
    const inPage = this.pageStart !== undefined && compareIds(message.id, this.pageStart) >= 0;
    if (message.pos !== undefined && older && !inPage) {
      this.reached(message.pos);
      return 'held';
    }
    this.see(message.id, message.ts);
    if (message.pos !== undefined) this.reached(message.pos);
    this.ids.add(message.id);
    let at = this.items.length;
    for (let i = this.items.length - 1; i >= 0; i--) {
      const item = this.items[i];
      if (item?.kind === 'notice') continue;
      if (item && compareIds(item.message.id, message.id) > 0) at = i;
      else break;
    }
    this.items.splice(at, 0, { kind: 'message', key: message.id, message, own });
    return 'new';
  }

  /** Puts a page of older messages (oldest first) before everything held. */
  prepend(messages: Message[], isOwn: (m: Message) => boolean): void {
    const fresh = messages.filter((m) => !this.ids.has(m.id));
    for (const m of fresh) this.ids.add(m.id);
    this.items.unshift(
      ...fresh.map((message) => ({
        kind: 'message' as const,
        key: message.id,
        message,
        own: isOwn(message),
      })),
    );
  }

  /** Adds a notice after everything held, or with `first` before it. */
  notice(notice: Notice, tone: 'info' | 'warning' = 'info', first = false): void {
    const item = { kind: 'notice', key: `notice-${this.noticeSeq++}`, notice, tone } as const;
    if (first) this.items.unshift(item);
    else this.items.push(item);
  }
}
