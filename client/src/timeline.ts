import type { Message } from '../../common/contract.js';

export type TimelineItem =
  | { kind: 'message'; key: string; message: Message; own: boolean }
  | { kind: 'notice'; key: string; text: string; tone: 'info' | 'warning' };

let noticeSeq = 0;

/** Messages remembered for choosing where to resume from; older arrivals are forgotten. */
const RECENT_MAX = 500;

/**
 * The messages and notices of one room, in display order, each message once. Ids are
 * opaque: order comes from how messages arrive (live and replayed ones are newer than what
 * is held, fetched pages are older), never from parsing ids.
 */
export class Timeline {
  readonly items: TimelineItem[] = [];
  private readonly ids = new Set<string>();
  /** The last message received from the server. */
  newestId: string | undefined;
  /** Messages received since continuity was last broken, in arrival order (bounded). */
  private readonly recent: Message[] = [];
  /** Older messages can be fetched. */
  hasMore = false;

  get messageCount(): number {
    return this.ids.size;
  }

  has(id: string): boolean {
    return this.ids.has(id);
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
    let pick: Message | undefined;
    for (const m of this.recent) {
      if (m.ts <= newestTs - marginMs && (pick === undefined || m.ts >= pick.ts)) pick = m;
    }
    return (pick ?? first).id;
  }

  /** The server could not replay what was missed: resume only from what comes next. */
  breakContinuity(): void {
    this.recent.length = 0;
  }

  /** The oldest message held, the cursor for "load earlier". */
  oldestId(): string | undefined {
    for (const item of this.items) if (item.kind === 'message') return item.message.id;
    return undefined;
  }

  /** Appends a newer message; false when it was already there. */
  append(message: Message, own: boolean): boolean {
    this.newestId = message.id;
    if (this.ids.has(message.id)) return false;
    this.recent.push(message);
    if (this.recent.length > RECENT_MAX) this.recent.shift();
    this.ids.add(message.id);
    this.items.push({ kind: 'message', key: message.id, message, own });
    return true;
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

  notice(text: string, tone: 'info' | 'warning' = 'info'): void {
    this.items.push({ kind: 'notice', key: `notice-${noticeSeq++}`, text, tone });
  }
}
