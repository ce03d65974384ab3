import type { Message } from '../../common/contract.js';

export type TimelineItem =
  | { kind: 'message'; key: string; message: Message; own: boolean }
  | { kind: 'notice'; key: string; text: string; tone: 'info' | 'warning' };

let noticeSeq = 0;

/** Messages remembered for choosing where to resume from; older arrivals are forgotten. */
const RECENT_MAX = 500;

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

  /** Adds a message in its place (at the end, unless it fills a hole); false when held. */
  append(message: Message, own: boolean): boolean {
    if (this.newestId === undefined || compareIds(message.id, this.newestId) >= 0) {
      this.newestId = message.id;
    }
    if (this.ids.has(message.id)) return false;
    this.recent.push(message);
    if (this.recent.length > RECENT_MAX) this.recent.shift();
    this.ids.add(message.id);
    let at = this.items.length;
    for (let i = this.items.length - 1; i >= 0; i--) {
      const item = this.items[i];
      if (item?.kind === 'notice') continue;
      if (item && compareIds(item.message.id, message.id) > 0) at = i;
      else break;
    }
    this.items.splice(at, 0, { kind: 'message', key: message.id, message, own });
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
