import type { Message } from '../../common/contract.js';

export type TimelineItem =
  | { kind: 'message'; key: string; message: Message; own: boolean }
  | { kind: 'notice'; key: string; text: string; tone: 'info' | 'warning' };

let noticeSeq = 0;

/**
 * The messages and notices of one room, in display order, each message once. Ids are
 * opaque: order comes from how messages arrive (live and replayed ones are newer than what
 * is held, fetched pages are older), never from parsing ids.
 */
export class Timeline {
  readonly items: TimelineItem[] = [];
  private readonly ids = new Set<string>();
  /** The id to rejoin with (`since`): the last message received from the server. */
  newestId: string | undefined;
  /** Older messages can be fetched. */
  hasMore = false;

  get messageCount(): number {
    return this.ids.size;
  }

  has(id: string): boolean {
    return this.ids.has(id);
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
